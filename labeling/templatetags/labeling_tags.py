from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing)."""
    return mapping.get(key) if mapping else None


@register.filter
def get_value_label(choices, value):
    """The translated name of a label value, from a list of (value, name) choices."""
    return dict(choices).get(value, value)


@register.filter
def percent(fraction):
    """0.25 -> "25.0 %" (localized decimal separator)."""
    from django.utils.formats import number_format

    if fraction is None:
        return "—"
    return f"{number_format(float(fraction) * 100, 1)} %"
