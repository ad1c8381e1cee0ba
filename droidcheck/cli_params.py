"""Plain coercion for droidcheck's simple command-line parameters, so a command does not import pydantic.

typer 0.29 turns every option value into its Python type with a pydantic ``TypeAdapter``, built the first
time the option is processed, including options left at their defaults. So any command with a text or
path option imported pydantic (~100 ms of a ~0.3 s start) and built a schema per option. No typer setting
turns that off, and ``typer.main`` itself imports without pydantic.

Most of droidcheck's options are ``str``, ``Path``, ``list[str]``, ``list[Path]``, flags or a choice
(``--format``, an enum), for which the conversion is exactly ``str(value)``, ``Path(value)`` followed by
typer's own path checks (``coerce_cli_path``), the ``True``/``False`` click already gives a flag, and
typer's own choice lookup (``coerce_cli_choice``). This module gives such parameters a runtime converter
that does just that; every other parameter (numbers, custom parsers, files) keeps typer's pydantic
converter. ``install`` changes nothing when typer
is not laid out as expected (another version), so the worst case is the old start-up time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_origin

_installed = False


def _plain_kind(annotation: Any) -> tuple[type, bool] | None:
    """(item type, is a list) for str, Path, bool, list[str] and list[Path]; else None."""
    is_list = get_origin(annotation) is list
    if is_list:
        args = get_args(annotation)
        if len(args) != 1:
            return None
        annotation = args[0]
    if annotation is str or annotation is Path or (annotation is bool and not is_list):
        return annotation, is_list
    return None


def _choices(descriptor: Any) -> tuple[Any, ...] | None:
    """The choices of a single (not list) enum or literal parameter; else None."""
    if get_origin(descriptor.annotation) is list:
        return None
    return getattr(descriptor, "choices", None)


def install() -> None:
    """Teach typer's parameters to convert plain values without pydantic. Idempotent."""
    global _installed
    if _installed:
        return
    try:
        from dataclasses import dataclass

        from typer import _coercion, _param_types, core
        from typer._click.exceptions import BadParameter
        from typer._click.utils import _escape_control_characters
    except ImportError:
        return
    param_class = getattr(core, "_TyperParameter", None)
    base = getattr(_coercion, "RuntimeParam", None)
    coerce_path = getattr(_param_types, "coerce_cli_path", None)
    coerce_choice = getattr(_param_types, "coerce_cli_choice", None)
    original = getattr(param_class, "get_runtime_param", None)
    if param_class is None or base is None or coerce_path is None or coerce_choice is None or original is None:
        return
    coerce_cli_path: Callable[..., Any] = coerce_path  # not None (checked above) inside the class too
    coerce_cli_choice: Callable[..., Any] = coerce_choice

    @dataclass(frozen=True)
    class PlainRuntimeParam(base):  # type: ignore[misc, valid-type]  # typer's class, found at run time
        """``str``/``Path`` (or a list of them) from the strings click hands over."""

        item: type = str
        is_list: bool = False

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            values = (value if isinstance(value, list | tuple) else [value]) if self.is_list else [value]
            if self.item is bool and isinstance(value, bool):
                return value  # a flag: click already gives True/False
            if self.item is bool or not all(isinstance(v, str | Path) for v in values):
                # not what click hands over (bytes, a programmatic default…): typer's own converter
                return _coercion.build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)
            if self.item is str:
                out = [str(v) for v in values]
            else:
                out = [coerce_cli_path(Path(v), self.parameter_info, path_type=Path, param=param, ctx=ctx)
                       for v in values]
            return out if self.is_list else out[0]

    @dataclass(frozen=True)
    class ChoiceRuntimeParam(base):  # type: ignore[misc, valid-type]  # typer's class, found at run time
        """One of an enum's (or literal's) values, looked up as typer's choice converter does."""

        choices: tuple[Any, ...] = ()

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return coerce_cli_choice(value, choices=self.choices, case_sensitive=self.parameter_info.case_sensitive,
                                     ctx=ctx)
            except ValueError as exc:  # worded as pydantic words a validator's ValueError
                raise BadParameter(_escape_control_characters(f"Value error, {exc}"), ctx=ctx, param=param) from exc

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            descriptor = self.type_descriptor
            info = descriptor.parameter_info
            choices = _choices(descriptor)
            if (choices is not None and descriptor.file_annotation is None and getattr(info, "parser", None) is None
                    and getattr(info, "click_type", None) is None):
                self._runtime_param = ChoiceRuntimeParam(parameter_info=info, annotation=descriptor.annotation,
                                                         choices=choices)
                return original(self)
            kind = _plain_kind(descriptor.annotation)
            plain_path = kind is not None and (kind[0] is str or getattr(info, "path_type", None) in (None, Path))
            if (kind is not None and plain_path and descriptor.file_annotation is None
                    and getattr(info, "parser", None) is None and getattr(info, "click_type", None) is None):
                self._runtime_param = PlainRuntimeParam(parameter_info=info, annotation=descriptor.annotation,
                                                        item=kind[0], is_list=kind[1])
        return original(self)

    param_class.get_runtime_param = get_runtime_param
    _installed = True
