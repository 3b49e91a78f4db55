"""`{% explain "key" %}`: a "?" beside a term that opens its short explanation and links to the glossary."""
from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

from eduai.glossary import BY_KEY, Term, sort_key

register = template.Library()


@register.simple_tag
def explain(key: str):
    term = BY_KEY[key]  # an unknown key is a programming error: the page's test fails loudly
    link = format_html('<a href="{}#{}">{}</a>', reverse("glossary"), term.key, _("More in the glossary"))
    content = format_html("{} {}", term.explanation, link)
    return format_html(
        '<button type="button" class="btn btn-link btn-sm p-0 align-baseline term-help" data-term="{}" '
        'data-bs-toggle="popover" data-bs-html="true" data-bs-title="{}" data-bs-content="{}" '
        'aria-label="{}">?</button>',
        term.key, term.name, escape(content), _("What is “%(term)s”?") % {"term": term.name})


@register.filter
def by_name(terms: list[Term]) -> list[Term]:
    """The terms in alphabetical order of their name in the current language, accents ignored ("época" near "e")."""
    return sorted(terms, key=sort_key)
