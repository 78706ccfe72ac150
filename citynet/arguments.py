"""Records from command-line words: `--name Lyon --theme klima --figure "measure=…; …"`.

Every field of the file format is an option, derived from the field descriptions
in `citynet.schema`, so a new field needs no new option code. This is the CLI's
side of `add` and `edit`, kept free of Typer so it can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import i18n
from .errors import UsageError
from .names import did_you_mean
from .schema import FieldSpec, fields_of, span_text


def option_names(record_type: type) -> dict[str, FieldSpec]:
    """Option spelling → field: `founded-place`, and `theme` as well as `themes`."""
    names: dict[str, FieldSpec] = {}
    for spec in fields_of(record_type):
        option = spec.option[2:]
        names[option] = spec
        if spec.many:
            names.setdefault(spec.item_name.replace("_", "-"), spec)
    return names


def option_help(spec: FieldSpec) -> str:
    """How `citynet fields` shows a field: `--figure 'key=value; …'*` for a required one."""
    option = "--" + spec.item_name.replace("_", "-") if spec.many else spec.option
    if spec.nested:
        option += " 'key=value; …'"
    return option + ("*" if spec.required else "")


def parse_options(record_type: type, args: Sequence[str]) -> dict[str, list[str]]:
    """`["--name", "X", "--theme", "a", "--theme=b"]` → `{"name": ["X"], "themes": ["a", "b"]}`."""
    known = option_names(record_type)
    values: dict[str, list[str]] = {}
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("--") or token == "--":
            raise UsageError(
                i18n._("unexpected argument {token}; fields are given as --field value").format(
                    token=repr(token)
                )
            )
        option, _, inline = token[2:].partition("=")
        spec = known.get(option)
        if spec is None:
            hint = did_you_mean(option, known, show=lambda name: f"--{name}")
            raise UsageError(
                f"unknown field --{option}{hint}; fields of {record_type.__name__.lower()}: "
                + ", ".join(f"--{o}" for o in known)
            )
        if spec.value == "bool" and not inline:
            values.setdefault(spec.name, []).append("true")
            continue
        if not inline:
            if not tokens:
                raise UsageError(i18n._("--{option} needs a value").format(option=option))
            inline = tokens.pop(0)
        values.setdefault(spec.name, []).append(inline)
    return values


LIST_VERBS = ("add", "remove", "set")


def parse_edit(
    record_type: type, args: Sequence[str]
) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    """The words of `edit`: values that replace single fields, and changes of list fields
    as (verb, field, value): `--add-alias X`, `--remove-alias X`, `--set-alias X` (the
    whole list). A bare `--alias X` would silently drop the other aliases: refused."""
    known = option_names(record_type)
    plain: list[str] = []
    changes: list[tuple[str, str, str]] = []
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        option, equals, inline = token[2:].partition("=")
        verb, _, name = option.partition("-")
        spec = known.get(name) if token.startswith("--") and verb in LIST_VERBS else None
        if spec is None or not spec.many:
            plain.append(token)
            continue
        if not equals:
            if not tokens:
                raise UsageError(i18n._("--{option} needs a value").format(option=option))
            inline = tokens.pop(0)
        changes.append((verb, spec.name, inline))
    values = parse_options(record_type, plain)
    for name in values:
        spec = next(s for s in fields_of(record_type) if s.name == name)
        if spec.many:
            option = spec.item_name.replace("_", "-")
            message = i18n._(
                "--{option} would replace every value of {field}: use --add-{option} or "
                "--remove-{option}, or --set-{option} to replace the whole list"
            )
            raise UsageError(message.format(option=option, field=name))
    return values, changes


def coerce(record_type: type, values: dict[str, list[str]]) -> dict[str, Any]:
    """Field values of the right Python types, from the strings of the command line."""
    specs = {spec.name: spec for spec in fields_of(record_type)}
    result: dict[str, Any] = {}
    for name, raw in values.items():
        spec = specs[name]
        if spec.nested:
            result[name] = tuple(_nested(spec, item) for item in raw)
        elif spec.many:
            result[name] = tuple(_scalar(spec, item) for item in raw)
        elif len(raw) > 1:
            raise UsageError(
                i18n._("{option} given {n} times; it takes one value").format(
                    option=spec.option, n=len(raw)
                )
            )
        else:
            result[name] = _scalar(spec, raw[0])
    return result


# Numbers from the command line: the converter, and what a person is told to give.
_NUMBERS: dict[str, tuple[Any, str]] = {
    "int": (int, i18n.N_("{option}: expected a whole number, got {raw}")),
    "float": (float, i18n.N_("{option}: expected a number, got {raw}")),
}


def _scalar(spec: FieldSpec, raw: str) -> Any:
    if raw == "" and spec.optional_value:
        return None
    if spec.value in _NUMBERS:
        convert, expected = _NUMBERS[spec.value]
        try:
            number = convert(raw)
        except ValueError:
            message = i18n._(expected).format(option=spec.option, raw=repr(raw))
            raise UsageError(message) from None
        span = spec.rule.span
        if span and not spec.rule.year and not span[0] <= number <= span[1]:
            low, high = span_text(span)
            message = i18n._("{option}: expected {low}..{high}, got {raw}")
            raise UsageError(message.format(option=spec.option, low=low, high=high, raw=raw))
        return number
    if spec.value == "bool":
        if raw.lower() in ("true", "yes", "1", "ja"):
            return True
        if raw.lower() in ("false", "no", "0", "nein", ""):
            return False
        raise UsageError(
            i18n._("{option}: expected true or false, got {raw}").format(
                option=spec.option, raw=repr(raw)
            )
        )
    return raw


def _nested(spec: FieldSpec, raw: str) -> Any:
    """A nested record from `key=value; key=value`, e.g. a figure or a role."""
    assert spec.nested is not None
    option = "--" + spec.item_name.replace("_", "-")
    values: dict[str, list[str]] = {}
    for part in raw.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise UsageError(
                i18n._("{option}: expected key=value pairs separated by ';', got {part}").format(
                    option=option, part=repr(part)
                )
            )
        values.setdefault(key.strip().replace("-", "_"), []).append(value.strip())
    known = [f.name for f in fields_of(spec.nested)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(
            i18n._("{option}: unknown key(s) {value}; keys: {value2}").format(
                option=option, value=", ".join(unknown), value2=", ".join(known)
            )
        )
    return build(spec.nested, values, what=option)


def required_fields(record_type: type) -> list[str]:
    return [spec.name for spec in fields_of(record_type) if spec.required]


def build(record_type: type, values: dict[str, list[str]], what: str = "") -> Any:
    """A new record from option values; UsageError naming every missing required field."""
    missing = [f for f in required_fields(record_type) if f not in values]
    if missing:
        label = what or record_type.__name__.lower()
        options = ", ".join(f"--{m.replace('_', '-')}" for m in missing)
        raise UsageError(
            i18n._("{what}: missing {options}").format(what=i18n._(label), options=options)
        )
    return record_type(**coerce(record_type, values))


def expected(spec: FieldSpec) -> str:
    """What a field takes, for a person asked for it: choices, format, an example."""
    from .model import FUTURE_YEAR, YEAR_RANGE

    rule = spec.rule
    if rule.choices:
        text = i18n._("one of: {choices}").format(choices=", ".join(c for c in rule.choices if c))
    elif rule.year:
        last = FUTURE_YEAR if rule.future else YEAR_RANGE[1]
        text = i18n._("a year {first}–{last}").format(first=YEAR_RANGE[0], last=last)
    elif rule.refers:
        text = i18n._("an id from {section}").format(section=rule.refers)
    elif rule.expected:
        text = i18n._(rule.expected)
    elif spec.value == "int":
        text = i18n._("a whole number")
    elif spec.value == "float":
        text = i18n._("a number")
    else:
        text = i18n._("text")
    return text + (", " + i18n._("several separated by commas") if spec.many else "")


def check_answer(spec: FieldSpec, answer: str, known: Sequence[str] = ()) -> list[str]:
    """The values of an answer to a prompt for `spec`; UsageError saying what is wrong.

    `known`: the ids the field may refer to, when it refers to a section.
    """
    import re

    from .model import FUTURE_YEAR, YEAR_RANGE

    values = [part.strip() for part in answer.split(",")] if spec.many else [answer.strip()]
    rule = spec.rule
    for value in values:
        if not value:
            raise UsageError(i18n._("an answer is needed"))
        if rule.choices and value not in rule.choices:
            raise UsageError(
                i18n._("{value} is not {expected}").format(
                    value=repr(value), expected=expected(spec)
                )
                + did_you_mean(value, rule.choices)
            )
        if rule.pattern and not re.fullmatch(rule.pattern, value):
            message = i18n._("{value} is not {expected}")
            raise UsageError(message.format(value=repr(value), expected=expected(spec)))
        if rule.refers and known and value not in known:
            message = i18n._("no {value} in {section}").format(
                value=repr(value), section=rule.refers
            )
            raise UsageError(message + did_you_mean(value, known))
        if spec.value in ("int", "float") or rule.year:
            number = _scalar(spec, value)
            last = FUTURE_YEAR if rule.future else YEAR_RANGE[1]
            if rule.year and not YEAR_RANGE[0] <= number <= last:
                message = i18n._("{value} is not {expected}")
                raise UsageError(message.format(value=repr(value), expected=expected(spec)))
    return values
