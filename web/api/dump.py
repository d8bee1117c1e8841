"""Response schemas whose dump is planned once from their fields: the same output as
marshmallow's `Schema.dump`, without its per-field dispatch at every value (a queue page is
25 tasks of 16 fields, read by every officer all day).

A field the plan does not know (another type, a dotted attribute, a non-ISO date format,
keys or values of a Dict) is dumped by the field itself, and a schema with dump hooks or its
own `get_attribute` by marshmallow: the shortcut never changes what a response says
(tests/api/test_dump.py compares both on every schema built on `Out`).
"""
from __future__ import annotations

from typing import Any, Callable

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type, get_value


def _text(value):
    return value if type(value) is str else ensure_text_type(value)


def _same(value):
    return value


def _list(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: [None if each is None else inner(each) for each in value]


def _nested(field: fields.Nested) -> Callable[[Any], Any]:
    schema = field.schema
    many = schema.many or field.many
    return lambda value: schema.dump(value, many=many)


def _converter(field: fields.Field) -> Callable[[Any], Any] | None:
    """What the field's `_serialize` does to a value other than None (which stays None for
    every type below), or None when the plan leaves the field to itself."""
    kind = type(field)
    if kind is fields.String:
        return _text
    if kind in (fields.Boolean, fields.Raw):
        return _same
    if kind in (fields.Integer, fields.Float):
        return None if field.as_string else field.num_type
    if kind in (fields.DateTime, fields.Date):
        return field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
    if kind is fields.Dict:
        return dict if field.key_field is None and field.value_field is None else None
    if kind is fields.List:
        inner = _converter(field.inner)
        return None if inner is None else _list(inner)
    if kind is fields.Nested:
        return _nested(field)
    return None


def _step(schema: Schema, name: str, field: fields.Field):
    """(output key, attribute read, its dump default, converter) of one field; a converter
    None means the field serializes itself (the attribute is then the field's name)."""
    key = field.data_key if field.data_key is not None else name
    attribute = field.attribute or name
    convert = _converter(field) if field._CHECK_ATTRIBUTE and "." not in attribute else None
    if convert is None:
        return key, name, field, None
    return key, attribute, field.dump_default, convert


def _plan(schema: Schema) -> Callable[[Any], dict] | None:
    if (schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]
            or type(schema).get_attribute is not Schema.get_attribute):
        return None
    steps = [_step(schema, name, field) for name, field in schema.dump_fields.items()]
    make = schema.dict_class

    def dump_one(obj):
        out = make()
        plain = type(obj) is dict
        for key, attribute, default, convert in steps:
            if convert is None:  # the field itself, as Schema._serialize calls it
                value = default.serialize(attribute, obj, accessor=schema.get_attribute)
                if value is not missing:
                    out[key] = value
                continue
            if plain:
                value = obj.get(attribute, missing)
                if value is missing:  # as marshmallow's get_value: the attribute then
                    value = getattr(obj, attribute, missing)
            else:
                value = get_value(obj, attribute)
            if value is missing:
                if default is missing:
                    continue
                value = default() if callable(default) else default
            out[key] = None if value is None else convert(value)
        return out
    return dump_one


class Out(Schema):
    """A response schema dumped by a plan made at its first dump."""

    def dump(self, obj: Any, *, many: bool | None = None):
        try:
            dump_one = self._dump_one
        except AttributeError:
            dump_one = self._dump_one = _plan(self)
        if dump_one is None:
            return super().dump(obj, many=many)
        if (self.many if many is None else many) and obj is not None:
            return [dump_one(each) for each in obj]
        return dump_one(obj)
