"""URL converters."""

from werkzeug.routing import IntegerConverter

# Ids are 64-bit signed integers in both databases; a larger number in a URL
# is simply not an id (404), not an overflow error.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """A positive database id: ``/supporters/<id:supporter_id>``."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def register_converters(app) -> None:
    from app.extensions import api

    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, lambda converter: {
        "type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
