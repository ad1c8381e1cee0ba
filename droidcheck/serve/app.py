"""The Starlette application: pages, the event stream, actions and downloads.

Pages are rendered with Jinja2 (autoescape on: every phone-reported string is escaped), and updated in
place by ``static/app.js`` from server-sent events that carry HTML fragments rendered by the same
templates. No asset is fetched from anywhere else: a shop's PC may be offline.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from droidcheck.errors import DroidcheckError
from droidcheck.report.format import AREA_ORDER, area_title
from droidcheck.result import CheckResult, FindingEntry
from droidcheck.serve.events import EventBus
from droidcheck.serve.lab import Lab
from droidcheck.serve.security import REPORT_CSP, Access, AccessMiddleware
from droidcheck.serve.station import PhoneCard, Station, StationError

KEEPALIVE_S = 15.0
#: How often an open event stream looks whether the server is stopping.
TICK_S = 0.5
STATIC = Path(__file__).parent / "static"

VERDICT_HEADLINE = {
    "fail": "Problems found that stop codes arriving",
    "warn": "Possible problems found",
    "pass": "No problem found on the phone",
    "incomplete": "Check incomplete: not everything could be read",
}


@dataclass
class ServeContext:
    station: Station
    lab: Lab
    bus: EventBus
    access: Access
    demo: bool = False
    stopping: Any = None  # () -> bool: the server is shutting down (open event streams end)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("droidcheck.serve", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(area_title=area_title, verdict_headline=verdict_headline, evidence=evidence,
                       when=when, maker_help=MAKER_HELP, state_hint=state_hint, phone_name=phone_name)
    return env


def phone_name(card: PhoneCard, result: dict[str, Any] | None) -> str:
    """Maker and model as the phone reports them ("Xiaomi 2201117TG"), else adb's model tag."""
    device = (result or {}).get("device") or {}
    maker, model = str(device.get("maker") or ""), str(device.get("model") or card.model or "")
    if maker and not model.lower().startswith(maker.lower()):
        return f"{maker.capitalize() if maker.islower() else maker} {model}".strip()
    return model or "Phone"


def verdict_headline(result: dict[str, Any] | None) -> str:
    if not result:
        return ""
    if not result.get("complete", True):
        return VERDICT_HEADLINE["incomplete"] if result["verdict"]["status"] != "fail" else \
            VERDICT_HEADLINE["fail"] + " (check incomplete)"
    return VERDICT_HEADLINE.get(result["verdict"]["status"], str(result["verdict"]["status"]))


def verdict_class(result: CheckResult | None) -> str:
    if not result:
        return "none"
    status = result["verdict"]["status"]
    if status != "fail" and not result.get("complete", True):
        return "incomplete"
    return str(status)


def evidence(finding: FindingEntry) -> str:
    from droidcheck.report.shop import evidence_text

    return evidence_text(finding)


def when(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).astimezone().strftime("%H:%M:%S %Z")


def state_hint(state: str) -> str | None:
    from droidcheck.adb.states import hint_for

    return hint_for(state)


#: How to turn on USB debugging, per maker, for the "no phone" panel.
MAKER_HELP = [
    ("Google Pixel, Motorola, Nokia", "Settings → About phone → tap Build number 7 times; then Settings → "
     "System → Developer options → USB debugging."),
    ("Samsung", "Settings → About phone → Software information → tap Build number 7 times; then Settings → "
     "Developer options → USB debugging."),
    ("Xiaomi, Redmi, POCO", "Settings → About phone → tap MIUI/OS version 7 times; then Settings → Additional "
     "settings → Developer options → USB debugging (and 'USB debugging (Security settings)' to change settings)."),
    ("OnePlus, OPPO, realme", "Settings → About device → Version → tap Build number 7 times; then Settings → "
     "System settings → Developer options → USB debugging."),
    ("Any phone", "Plug in with a data cable (not a charge-only one), unlock the phone, and accept 'Allow USB "
     "debugging?' on its screen."),
]


def card_context(card: PhoneCard) -> dict[str, Any]:
    from droidcheck.report.format import findings_by_area

    result = card.result
    findings = list(result["findings"]) if result else []
    by_rule = {f["rule"]: f for f in findings}
    causes = [by_rule[r] for r in (result["verdict"]["likely_causes"] if result else []) if r in by_rule]
    return {"card": card, "result": result, "causes": causes, "verdict_class": verdict_class(result),
            "areas": findings_by_area(findings) if result else [],
            "checklist": [f for f in findings if f.get("status") == "manual"],
            "changes": (result.get("changes") if result else None) or []}


class Pages:
    def __init__(self, ctx: ServeContext) -> None:
        self.ctx = ctx
        self.env = _environment()
        ctx.station.render = self.render_card

    def render_card(self, card: PhoneCard) -> str:
        return self.env.get_template("_phone.html").render(**card_context(card))

    def page(self, name: str, **values: Any) -> HTMLResponse:
        values.setdefault("csrf", self.ctx.access.csrf)
        values.setdefault("demo", self.ctx.demo)
        return HTMLResponse(self.env.get_template(name).render(**values))

    # -- pages ---------------------------------------------------------------------------------------
    async def counter(self, request: Request) -> HTMLResponse:
        station = self.ctx.station
        cards = [self.render_card(c) for c in station.cards()]
        return self.page("counter.html", cards=cards, server=str(station.address),
                         server_problem=station.server_problem)

    async def lab(self, request: Request) -> HTMLResponse:
        lab = self.ctx.lab
        state = lab.state()
        return self.page("lab.html", state=state, servers=lab.servers or [str(self.ctx.station.address)],
                         inventory=lab.inventory.name if lab.inventory else None,
                         areas=list(AREA_ORDER))

    async def history(self, request: Request) -> HTMLResponse:
        lab = self.ctx.lab
        try:
            runs = await asyncio.to_thread(lab.history, 50)
            error = None
        except DroidcheckError as exc:
            runs, error = [], exc.message
        diff = None
        a, b = request.query_params.get("a"), request.query_params.get("b")
        if runs and (a or b or len(runs) >= 2):
            try:
                diff = await asyncio.to_thread(lab.diff, a or None, b or None)
            except DroidcheckError as exc:
                error = exc.message
        return self.page("history.html", runs=runs, diff=diff, error=error, diff_sections=_diff_sections(diff))

    # -- events --------------------------------------------------------------------------------------
    async def events(self, request: Request) -> StreamingResponse:
        bus = self.ctx.bus
        sub = bus.subscribe()

        async def stream() -> Any:
            try:
                yield "retry: 1000\n\n"
                yield _sse("hello", {"server_problem": self.ctx.station.server_problem,
                                     "keys": [c.key for c in self.ctx.station.cards()]})
                for card in self.ctx.station.cards():  # anything that changed while the page loaded
                    yield _sse("phone", {"key": card.key, "html": self.render_card(card)})
                idle = 0.0
                while not (self.ctx.stopping and self.ctx.stopping()):
                    try:
                        event = await asyncio.wait_for(sub.queue.get(), TICK_S)
                    except TimeoutError:
                        idle += TICK_S
                        if idle >= KEEPALIVE_S:
                            idle = 0.0
                            yield ": keep-alive\n\n"
                        continue
                    idle = 0.0
                    if event is None:
                        return
                    yield event.encode()
            finally:
                bus.unsubscribe(sub)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # -- actions -------------------------------------------------------------------------------------
    async def recheck(self, request: Request) -> Response:
        return await self._act(lambda: self.ctx.station.recheck(request.path_params["key"]))

    async def fix(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        action = str(body.get("action") or "") if isinstance(body, dict) else ""
        return await self._act(lambda: self.ctx.station.apply_fix(request.path_params["key"], action))

    async def watch(self, request: Request) -> Response:
        return await self._act(lambda: self.ctx.station.start_watch(request.path_params["key"]))

    async def dismiss(self, request: Request) -> Response:
        return await self._act(lambda: self.ctx.station.dismiss(request.path_params["key"]))

    async def lab_start(self, request: Request) -> Response:
        return await self._act(self.ctx.lab.start)

    async def _act(self, fn: Any) -> Response:
        try:
            await asyncio.to_thread(fn)
        except StationError as exc:
            return JSONResponse({"ok": False, "error": exc.message}, status_code=exc.status)
        except DroidcheckError as exc:
            return JSONResponse({"ok": False, "error": exc.message, "hint": exc.hint}, status_code=400)
        return JSONResponse({"ok": True}, status_code=202)

    # -- downloads -----------------------------------------------------------------------------------
    def _result(self, request: Request) -> tuple[PhoneCard, CheckResult]:
        card = self.ctx.station.card(request.path_params["key"])
        if card.result is None:
            raise StationError("this phone has not been checked yet", 404)
        return card, card.result

    async def report_html(self, request: Request) -> Response:
        from droidcheck.report.html import to_html
        from droidcheck.report.shop import load_shop

        try:
            _card, result = self._result(request)
        except StationError as exc:
            return HTMLResponse(f"<p>{_esc(exc.message)}</p>", status_code=exc.status)
        html = await asyncio.to_thread(to_html, result, load_shop())
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})

    async def print_view(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            self._result(request)
        except StationError as exc:
            return HTMLResponse(f"<p>{_esc(exc.message)}</p>", status_code=exc.status)
        return HTMLResponse(self.env.get_template("print.html").render(
            report_url=f"/phone/{key}/report.html", pdf_url=f"/phone/{key}/report.pdf"))

    async def report_pdf(self, request: Request) -> Response:
        from droidcheck.report.pdf import to_pdf
        from droidcheck.report.shop import load_shop

        try:
            card, result = self._result(request)
        except StationError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        shop = load_shop()
        data = await asyncio.to_thread(to_pdf, result, shop, paper=shop.paper or "A4")
        return Response(data, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="droidcheck-{card.key}.pdf"'})

    async def result_json(self, request: Request) -> Response:
        try:
            card, result = self._result(request)
        except StationError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return Response(json.dumps(result, indent=2, ensure_ascii=False) + "\n", media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="droidcheck-{card.key}.json"'})

    async def lab_report(self, request: Request) -> Response:
        from droidcheck.report.html import to_html
        from droidcheck.report.shop import load_shop

        try:
            path = self.ctx.lab.result_path(request.path_params["folder"])
            result = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
        except StationError as exc:
            return HTMLResponse(f"<p>{_esc(exc.message)}</p>", status_code=exc.status)
        except (OSError, ValueError):
            return HTMLResponse("<p>this device's result is not readable</p>", status_code=404)
        html = await asyncio.to_thread(to_html, result, load_shop())
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})

    async def lab_state(self, request: Request) -> JSONResponse:
        return JSONResponse(self.ctx.lab.state())

    async def phones_json(self, request: Request) -> JSONResponse:
        return JSONResponse([{"key": c.key, "serial": c.serial, "state": c.state, "model": c.model,
                              "plugged": c.plugged, "activity": c.activity,
                              "verdict": verdict_class(c.result) if c.result else None}
                             for c in self.ctx.station.cards()])


def _diff_sections(diff: dict[str, Any] | None) -> list[tuple[str, list[dict[str, Any]]]]:
    """The diff as the CLI prints it: titled groups of devices with their before → after state."""
    if not diff:
        return []
    sections = []
    for title, key in (("Newly failing", "newly_failing"), ("Fixed", "fixed"), ("Changed", "changed"),
                       ("Appeared", "appeared"), ("Vanished", "vanished")):
        items = []
        for item in diff.get(key) or []:
            state = f"{item['before']} → {item['after']}" if "before" in item else str(item.get("status", ""))
            causes = item.get("causes") or item.get("causes_after") or item.get("causes_before") or []
            items.append({"key": item["key"], "state": state, "causes": causes})
        sections.append((title, items))
    return sections


def _sse(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


def create_app(ctx: ServeContext) -> Starlette:
    pages = Pages(ctx)
    routes = [
        Route("/", pages.counter),
        Route("/lab", pages.lab),
        Route("/lab/history", pages.history),
        Route("/lab/state", pages.lab_state),
        Route("/lab/run", pages.lab_start, methods=["POST"]),
        Route("/lab/report/{folder}", pages.lab_report),
        Route("/events", pages.events),
        Route("/phones", pages.phones_json),
        Route("/phone/{key}/recheck", pages.recheck, methods=["POST"]),
        Route("/phone/{key}/fix", pages.fix, methods=["POST"]),
        Route("/phone/{key}/watch", pages.watch, methods=["POST"]),
        Route("/phone/{key}/dismiss", pages.dismiss, methods=["POST"]),
        Route("/phone/{key}/print", pages.print_view),
        Route("/phone/{key}/report.html", pages.report_html),
        Route("/phone/{key}/report.pdf", pages.report_pdf),
        Route("/phone/{key}/result.json", pages.result_json),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(AccessMiddleware, access=ctx.access)
    return app
