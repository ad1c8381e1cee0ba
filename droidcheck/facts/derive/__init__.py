"""Fact derivers, one module per area. Each exposes ``derive(ctx: DeriveContext) -> list[Fact]``.

A deriver combines parsed outputs into registered facts. It returns ``unknown`` (with a reason) for a
fact it cannot read; it may raise only by bug, and ``extract`` turns that into ``unknown`` too.
"""

DERIVER_MODULES = ("system", "telephony", "apps")
