"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES)."""
from rest_framework import parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than Python's recursion limit with a 400
    `parse_error`: DRF catches only ValueError, so `[[[[...` 100,000 levels deep was a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            # imported here: eduai.errors imports DRF's views, whose APIView loads this module
            from eduai.errors import json_too_deep

            raise json_too_deep() from error
