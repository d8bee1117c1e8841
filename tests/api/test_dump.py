"""The planned dump of the response schemas (web/api/dump.py) says exactly what marshmallow's
dump says: same keys in the same order, same values of the same types, for full values, None
values, missing ones, objects as well as dicts, one or many."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields

from web.api import mining_schemas, schemas
from web.api.dump import Out

T = datetime(2026, 3, 4, 3, 0, tzinfo=timezone(timedelta(hours=7)))


def out_schemas() -> list[type[Out]]:
    found = {cls for module in (schemas, mining_schemas) for cls in vars(module).values()
             if isinstance(cls, type) and issubclass(cls, Out) and cls is not Out}
    return sorted(found, key=lambda cls: cls.__name__)


def sample(field: fields.Field, depth: int = 0):
    if isinstance(field, fields.Nested):
        return full(field.schema, depth + 1)
    if isinstance(field, fields.List):
        return [sample(field.inner, depth), None, sample(field.inner, depth)]
    return {fields.String: "Công ty An Phú", fields.Integer: 7, fields.Float: 1.5,
            fields.Boolean: True, fields.DateTime: T, fields.Date: date(2026, 3, 4),
            fields.Dict: {"a": [1, "b"]}}.get(type(field), "raw")


def full(schema: Schema, depth: int = 0) -> dict:
    return {field.attribute or name: sample(field, depth) if depth < 3 else None
            for name, field in schema.dump_fields.items()}


def variants(schema: Schema):
    values = full(schema)
    yield values
    yield SimpleNamespace(**values)
    yield {key: None for key in values}
    yield {}
    yield {key: loose(value) for key, value in values.items()}


def loose(value):
    """Another type than the field's, as a database or a view may give it: the fields
    convert (or not) the same way."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return str(value)
    return 5 if isinstance(value, str) else value


def said(dump, *args, **kwargs) -> str:
    """The dump as JSON (types told apart: true is not 1), or the error it raised (a dict
    without "items" gives the dict's `items` method to both, as marshmallow reads)."""
    try:
        return json.dumps(dump(*args, **kwargs), ensure_ascii=False, default=repr)
    except Exception as error:  # noqa: BLE001 - the same error on both sides is the point
        return f"raised {type(error).__name__}"


@pytest.mark.parametrize("schema_class", out_schemas(), ids=lambda cls: cls.__name__)
def test_the_planned_dump_is_marshmallows(schema_class):
    schema = schema_class()
    for obj in variants(schema):
        assert said(schema.dump, obj) == said(Schema.dump, schema, obj)
    many = list(variants(schema))
    assert said(schema.dump, many, many=True) == said(Schema.dump, schema, many, many=True)
    assert said(schema.dump, None, many=True) == said(Schema.dump, schema, None, many=True)


def test_the_task_schemas_are_planned():
    """The queue's and a task's responses take the shortcut (the reason it exists)."""
    assert {schemas.TaskOut, schemas.TaskPageOut, schemas.TaskDetailOut,
            schemas.DossierOut} <= set(out_schemas())
    page = schemas.TaskPageOut()
    page.dump({"items": [], "page": 1, "per_page": 25, "has_next": False})
    assert page._dump_one is not None


def test_a_field_the_plan_does_not_know_is_dumped_by_the_field():
    class Odd(Out):
        when = fields.DateTime(format="%d/%m/%Y")
        name = fields.String(attribute="who.name")
        count = fields.Integer(as_string=True)
        label = fields.Function(lambda obj: obj["count"] * 2)
        flag = fields.Boolean(dump_default=False)

    obj = {"when": T, "who": {"name": "Lan"}, "count": 3}
    assert Odd().dump(obj) == Schema.dump(Odd(), obj) == {
        "when": "04/03/2026", "name": "Lan", "count": "3", "label": 6, "flag": False}
