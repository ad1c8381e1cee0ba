"""Privacy: phone numbers, IMEI/ICCID, e-mail addresses and anything that looks like a one-time code never
leave droidcheck unless the user asks (``--no-redact``).

Redaction works on the finished result (every string in it, at any depth) and on private facts by name,
so no reporter can forget it: reporters only ever see the redacted result. What droidcheck never keeps at
all (notification text, settings naming the owner) is dropped earlier, when an output is stored
(``collect.plan.drop_private``).

Phone numbers are found by shape, then judged by the ``phonenumbers`` library with the phone's own
country (SIM, then network, then locale: ``phone_regions``) as the region, so that national formats
("07700 900123", "(0)7700 900 123", "06 12 34 56 78", "(201) 555-0123", "8 (912) 345-67-89") are found
without a pattern per country. Only text holding a long enough run of digits reaches the library, which is
imported the first time it is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, TypeVar

from droidcheck.facts.registry import FACTS_BY_NAME
from droidcheck.result import CheckResult

REDACTED = "[redacted]"

# -- identifiers ---------------------------------------------------------------------------------------
#: SIM serial (ICCID): "89" (telecom), then 17-19 more digits, sometimes padded with a hex F; as printed or
#: grouped on the card ("8944 1100 6851 2345 678"). A grouped one does not start right after another group
#: of digits: in "… 50 89 06 12 34 50 00 …" (numbers written side by side) that "89" ends a phone number,
#: and taking it as an ICCID's start would leave the rest of both numbers behind.
_ICCID = re.compile(r"8(?<![\w.]8)9(?:\d{16,18}[Ff]?|(?<!\d[ -]89)(?:[ -]?\d){16,18}[Ff]?)(?![\w.])")
#: 15-17 digits in one run: IMEI, IMEISV, IMSI. Nothing the checks read is that long.
_LONG_ID = re.compile(r"\d(?<![\w.]\d)\d{14,16}(?![\w.])")
#: An IMEI written in groups ("35-693803-564380-9", "35 693803 564380 9"): 15 digits with a valid Luhn check.
_GROUPED_ID = re.compile(r"\d(?<![\w.]\d)(?=[\d /-]{15})\d{1,7}(?:[ /-]\d{1,8}){1,4}(?![\w.])")
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _grouped_id(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return REDACTED if len(digits) == 15 and _luhn(digits) else m.group(0)


# -- phone numbers ---------------------------------------------------------------------------------------
# International numbers ("+44 7700 900123", "0044 …"), allowing spaces, dashes and brackets between digits.
# What comes before is checked in ``_phone`` rather than by a look-behind, which made this pass 5x slower.
_PHONE = re.compile(r"(?:\+|00)\d[\d ()\-]{6,17}\d(?![\w.])|0\d{9,10}(?![\w.])")
_NOT_BEFORE_PHONE = frozenset("_.:/-")
#: Anything that could be a number as people write it: digits and brackets, single spaces or dashes between
#: them (each followed by a digit or bracket, so the pattern cannot backtrack badly), 7 characters or more,
#: starting with the trunk "0" or a bracket or holding a separator (a plain run is never judged),
#: not part of a word, a version ("14.0.1"), an address ("192.0.2.1"), a time ("09:14") or a date range.
_CANDIDATE = re.compile(r"[\d(](?<![\w.+/:-].)(?<=[0(]|\d(?=\d*(?:[ -]?\(|[ -]\d)))"
                        r"(?:[\d()]|[ -](?=[\d(])){6,}(?<=\d)(?![\w.]|[:-]\d)")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d\b|^\d\d-\d\d \d\d\b")


def _phone(m: re.Match[str]) -> str:
    before = m.string[m.start() - 1] if m.start() else " "
    return m.group(0) if before.isalnum() or before in _NOT_BEFORE_PHONE else REDACTED


@lru_cache(maxsize=4096)
def _is_national_number(candidate: str, regions: tuple[str, ...]) -> bool:
    """Whether ``candidate`` (digits, brackets, spaces, dashes) is a phone number as written at home.

    With the national trunk prefix ("0", or "(0)", as in "07700 900123"): any number of a plausible length
    for the phone's country (``is_possible_number``: fictional and reserved ranges count), or 9-12 digits
    when the country is unknown. Without it, only a number written in groups that is a valid number of the
    phone's country ("(201) 555-0123", "612 34 56 78"): plain digit runs are versionCodes, byte counts and
    times far more often than phone numbers, and a number kept under a key says so (``_KEYED``).
    """
    groups = re.findall(r"\d+", candidate)
    digits = "".join(groups)
    if not 7 <= len(digits) <= 15 or _DATE.match(candidate) or any(len(g) < 2 for g in groups[1:]):
        return False  # "0 0 0 0 0 0 0 0": a list of values, not a number
    trunk = candidate.startswith("(0)") or (candidate.lstrip("(").startswith("0") and len(groups[0]) > 1)
    if groups[0] == "0" and not trunk:
        return False  # "0 44 160 44": a lone zero starts a list of values, not a number
    if trunk and not regions:
        return 9 <= len(digits) <= 12
    if not trunk and (len(groups) < 2 or any(len(g) > 5 for g in groups)):
        return False  # people write numbers in groups of 2-5; "180 2147483647" is two values
    if not regions:
        return False
    import phonenumbers

    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if trunk:
            if phonenumbers.is_possible_number(number):
                return True
        elif phonenumbers.is_valid_number(number) and _grouped_as_at_home(groups, number):
            return True
    return False


def _grouped_as_at_home(groups: list[str], number) -> bool:
    """Whether digit groups written without a trunk prefix are how the number's country writes it
    ("(201) 555-0123", "98765 43210", "131 2345 6789"), or plain groups of 3-4 where there is no trunk
    prefix ("612 345 678"): a valid
    number read out of "44 160 44 26 91" (a list of values) is grouped like neither."""
    import phonenumbers

    home = re.findall(r"\d+", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    meta = phonenumbers.PhoneMetadata.metadata_for_region(phonenumbers.region_code_for_number(number) or "")
    trunk = (meta.national_prefix if meta is not None else None) or ""
    if home and trunk and home[0].startswith(trunk) and not groups[0].startswith(trunk):
        home[0] = home[0][len(trunk):]  # "98765 43210" as India writes it, without the 0 of "098765 43210"
    if [len(g) for g in groups] == [len(g) for g in home if g]:
        return True
    # plain groups of 3-4 only where numbers have no trunk prefix ("612 345 678" in Spain); elsewhere
    # "100 160 100" is a list of values
    return not trunk and len(groups) >= 3 and all(3 <= len(g) <= 4 for g in groups)


def _national(regions: tuple[str, ...]):
    def one(m: re.Match[str]) -> str:
        text = m.group(0)
        if len(text) <= 24 and _is_national_number(text, regions):
            return REDACTED
        # "id 12 07700 900123 07961 900875": numbers next to each other and to other values. From each
        # group, the longest run of up to 6 groups that is a number goes (6: "06 12 34 56 78").
        parts = text.split(" ")
        if len(parts) < 2:
            return text
        out: list[str] = []
        i, changed = 0, False
        while i < len(parts):
            for j in range(min(len(parts), i + 6), i, -1):
                if (i, j) != (0, len(parts)) and _is_national_number(" ".join(parts[i:j]), regions):
                    out.append(REDACTED)
                    i, changed = j, True
                    break
            else:
                out.append(parts[i])
                i += 1
        return " ".join(out) if changed else text

    return one


#: A number kept under a key that names a phone number: ``number=2025550143``, ``mLine1Number: …``,
#: ``msisdn=…`` (not ``mChannelNumber``, a radio channel). The pattern starts at the key's last word, which
#: sre finds fast; ``_keyed`` checks the whole key.
_KEYED = re.compile(r"(?i)(?:number|msisdn|mdn)[\"']?\s?[=:]\s?[\"'\[]?(\+?\d[\d ()-]{3,22}\d)")
_PHONE_KEY = re.compile(r"(?i)m?(?:line1|phone|display|subscriber|voicemail|caller|sender|originating|"
                        r"destination|own)?_?(?:number|msisdn|mdn)")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _keyed(m: re.Match[str]) -> str:
    text, start = m.string, m.start()
    while start > 0 and text[start - 1] in _KEY_CHARS:
        start -= 1
    key_end = m.start() + next(i for i, ch in enumerate(m.group(0)) if ch in "\"' =:")
    if (start and text[start - 1] == ".") or not _PHONE_KEY.fullmatch(text[start:key_end]):
        return m.group(0)
    if sum(ch.isdigit() for ch in m.group(1)) < 5:
        return m.group(0)
    return m.group(0)[: m.start(1) - m.start()] + REDACTED


# -- one-time codes --------------------------------------------------------------------------------------
#: Words that name a one-time code or what it is for, in the languages codes are most often sent in. A word
#: must stand on its own (not ``versionCode``, ``PIN_REQUIRED``, ``security_patch``), except German and
#: Dutch compounds ending in "code" (Bestätigungscode, verificatiecode).
_CODE_WORDS = (
    # English
    "code", "codes", "otp", "passcode", "password", "pin", "tan", "verification", "verify", "one-time",
    "one time", "2fa", "sign in", "sign-in", "log in", "login", "is your", "token", "confirmation",
    # German, French, Spanish, Portuguese, Italian, Dutch, Turkish, Polish, Indonesian
    "passwort", "kennwort", "bestätigung", "einmalpasswort", "mot de passe", "vérification",
    "code de confirmation", "código", "codigo", "clave", "contraseña", "verificación", "verificacion",
    "senha", "verificação", "codice", "verifica", "kod", "doğrulama", "şifre", "hasło", "kode",
    # Russian
    "код", "кода", "коды", "пароль", "подтверждения",
    # Hindi
    "कोड", "ओटीपी", "सत्यापन", "पासवर्ड",
    # Arabic
    "رمز", "كود", "التحقق", "كلمة المرور",
)
#: Scripts without spaces between words: the word is enough wherever it stands.
_CODE_WORDS_CJK = ("验证码", "校验码", "驗證碼", "动态码", "动态密码", "確認碼", "密码", "認証コード", "確認コード",
                   "認証番号", "確認番号", "ワンタイムパスワード", "パスワード", "コード", "인증번호", "인증 번호",
                   "인증코드", "확인코드", "확인 코드", "비밀번호", "코드")
_WORD = "|".join(sorted((re.escape(w) for w in _CODE_WORDS), key=len, reverse=True))
_CJK = "|".join(sorted((re.escape(w) for w in _CODE_WORDS_CJK), key=len, reverse=True))
_TRIGGER = rf"(?:(?<![\w.])(?i:{_WORD})(?!\w)|(?-i:[a-zäöüß]{{2,}}code)(?!\w)|{_CJK})"
#: The code itself: 4-8 digits, or two or three groups of 2-4 ("739 204", "4829-13"), not part of a longer
#: number, a version or a date.
_NUMBER = r"(?<![0-9A-Za-z_.,/-])(?:\d{4,8}|\d{2,4}[ -]\d{2,4}(?:[ -]\d{2,4})?)(?![0-9A-Za-z_]|[.,:/-]\d)"
#: The code within 40 characters (no digits between) after a code word, or before one.
_OTP = rf"({_TRIGGER}[^\d\n]{{0,40}}?)({_NUMBER})|({_NUMBER})(?=[^\d\n]{{0,40}}?{_TRIGGER})"


@cache
def _otp_pattern() -> re.Pattern[str]:
    """``_OTP`` compiled, the first time a text holds a code word: compiling it takes ~2.5 ms (the code
    words of many languages), which most checks never need."""
    return re.compile(_OTP)


def _anchors(words: tuple[str, ...]) -> tuple[str, ...]:
    """The fewest lower-case substrings that every word holds one of ("code" for "passcode" and "codes")."""
    lowered = sorted({w.lower() for w in words}, key=len)
    kept: list[str] = []
    for w in lowered:
        if not any(k in w for k in kept):
            kept.append(w)
    return tuple(kept)


#: Code words as plain substrings: ``str.__contains__`` on each is ~10x cheaper than ``_OTP`` (or one regex
#: alternation of them) over command output, where they are rare; only the lines holding one meet ``_OTP``.
_CODE_ANCHORS = _anchors((*_CODE_WORDS, *_CODE_WORDS_CJK))
_CODE_ANCHORS_ASCII = tuple(a for a in _CODE_ANCHORS if a.isascii())
#: Anchors found inside a listed word rather than at its start ("passwort" in "einmalpasswort", "コード" in
#: "認証コード"): no word-start check for them.
_ANCHOR_INSIDE = frozenset(a for a in _CODE_ANCHORS for w in (*_CODE_WORDS, *_CODE_WORDS_CJK)
                           if a in w.lower() and not w.lower().startswith(a) and a != "code")


def _otp(m: re.Match[str]) -> str:
    code = m.group(2) or m.group(3)
    if _DATE.match(code) or sum(ch.isdigit() for ch in code) > 8:
        return m.group(0)
    return (m.group(1) or "") + REDACTED


_TWO_DIGITS = re.compile(r"\d\d")


_ID_CHARS = _KEY_CHARS | {"."}


def _word_start(text: str, at: int, anchor: str) -> bool:
    """Whether the code word ``anchor`` at ``at`` can be where a word of ``_TRIGGER`` is: not inside an
    identifier (``mapping``, ``importance``, ``versionCode``). "code" may end a lower-case compound
    (Bestätigungscode), and an anchor that is not where its words start (``_ANCHOR_INSIDE``) anywhere."""
    if not at or anchor in _ANCHOR_INSIDE:
        return True
    before = text[at - 1]
    if anchor == "code":
        return not (text[at] == "C" and before.islower()) and before not in "_."
    return before not in _ID_CHARS


def _sub_lines(compiled: Callable[[], re.Pattern[str]], repl, anchors: tuple[str, ...], text: str) -> str:
    """``pattern.sub(repl, text)`` (``pattern``: what ``compiled()`` returns), run only on the lines holding
    one of ``anchors`` (lower case) where a word can be; every ``pattern`` match holds one and never spans
    lines."""
    lower = text.lower()
    present = [a for a in anchors if a in lower]
    if not present:
        return text
    pattern = compiled()
    if len(lower) != len(text):  # lower-casing changed the length (e.g. "İ"): positions would not match
        return pattern.sub(repl, text)
    lines: set[tuple[int, int]] = set()
    for anchor in present:
        at = lower.find(anchor)
        while at >= 0:
            if not _word_start(text, at, anchor):
                at = lower.find(anchor, at + 1)
                continue
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            lines.add((start, end))
            at = lower.find(anchor, end)
    out: list[str] = []
    pos = 0
    for start, end in sorted(lines):
        out += [text[pos:start], pattern.sub(repl, text[start:end])]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str, regions: tuple[str, ...] = ()) -> str:
    """``text`` without phone numbers, IMEI/ICCID/IMSI, e-mail addresses and one-time codes. ``regions``
    are the phone's countries (ISO 3166 alpha-2, upper case) for numbers written the national way."""
    if "@" in text:
        text = _EMAIL.sub(REDACTED, text)
    if not _TWO_DIGITS.search(text):  # most strings (titles, explanations, fix steps) hold nothing to hide
        return text
    text = _ICCID.sub(REDACTED, text)
    text = _LONG_ID.sub(REDACTED, text)
    text = _GROUPED_ID.sub(_grouped_id, text)
    text = _PHONE.sub(_phone, text)
    text = _CANDIDATE.sub(_national(regions), text)
    lower = text.lower()
    if "number" in lower or "msisdn" in lower or "mdn" in lower:
        text = _KEYED.sub(_keyed, text)
    return _sub_lines(_otp_pattern, _otp, _CODE_ANCHORS_ASCII if text.isascii() else _CODE_ANCHORS, text)


def phone_regions(snapshot) -> tuple[str, ...]:  # (Snapshot) -> …; typed loosely to keep this import-light
    """The phone's countries, for national phone numbers: the SIMs' (``gsm.sim.operator.iso-country``), the
    networks' (``gsm.operator.iso-country``), else the locale's region (``persist.sys.locale``)."""
    from droidcheck.parsers.getprop import parse_getprop

    text = snapshot.text("getprop") if snapshot is not None else None
    if not text:
        return ()
    props = parse_getprop(text)
    found: list[str] = []
    for key in ("gsm.sim.operator.iso-country", "gsm.operator.iso-country"):
        for code in props.get(key, "").split(","):
            code = code.strip().upper()
            if re.fullmatch(r"[A-Z]{2}", code) and code not in found:
                found.append(code)
    if not found:
        for key in ("persist.sys.locale", "ro.product.locale"):
            m = re.fullmatch(r"[a-z]{2,3}[-_]([A-Z]{2})\b.*", props.get(key, "").strip())
            if m:
                found.append(m.group(1))
                break
    return tuple(found[:4])


def result_regions(result: _Doc) -> tuple[str, ...]:
    """The countries a check result names for its phone (``device.countries``, ``"GB,FR"``), checked."""
    device = result.get("device") if isinstance(result, dict) else None
    text = device.get("countries") if isinstance(device, dict) else None
    if not isinstance(text, str):
        return ()
    return tuple(c for c in text.split(",")[:4] if re.fullmatch(r"[A-Z]{2}", c))


def redact_value(value: Any, regions: tuple[str, ...] = ()) -> Any:
    if isinstance(value, str):
        return redact_text(value, regions)
    if isinstance(value, list):
        return [redact_value(v, regions) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, regions) for k, v in value.items()}
    return value


def mask_serial(serial: str) -> str:
    """Keep the first 2 and last 2 characters of a serial; lab staff can still tell phones apart."""
    if len(serial) <= 4 or (":" in serial and serial.rsplit(":", 1)[0].count(".") == 3):
        return serial  # loopback / network addresses are not personal
    return serial[:2] + "•" * (len(serial) - 4) + serial[-2:]


def mask_identifier(value: str) -> str:
    """The first and last two characters of an identifier (a serial number), the rest as dots: enough to
    tell phones apart, not enough to name one. Idempotent, so a redacted result redacts to itself."""
    if len(value) <= 6:
        return "•" * len(value)
    return value[:2] + "•" * (len(value) - 4) + value[-2:]


def _hidden(name: str, value: Any) -> Any:
    """A fact value as a redacted output shows it: private ones blanked, identifiers masked."""
    spec = FACTS_BY_NAME.get(name)
    if spec is None or value in (None, ""):
        return value
    if spec.private:
        return REDACTED
    if spec.masked and isinstance(value, str):
        return mask_identifier(value)
    return value


#: A check result, or a result-shaped document (fleet's stand-in for a phone that could not be read).
_Doc = TypeVar("_Doc", CheckResult, dict[str, Any])


def redact_result(result: _Doc, regions: tuple[str, ...] = ()) -> _Doc:
    """A copy of a result dict with private facts blanked, identifiers masked and every string scrubbed.
    ``regions``: the phone's countries (``phone_regions`` of the snapshot it came from); by default those
    the result itself carries (``device.countries``)."""
    if not regions:
        regions = result_regions(result)
    out = redact_value(result, regions)
    for name, fact in (out.get("facts") or {}).items():
        fact["value"] = _hidden(name, fact.get("value"))
    for finding in out.get("findings") or []:
        evidence = finding.get("evidence") or {}
        for name in list(evidence):
            evidence[name] = _hidden(name, evidence[name])
    out["redacted"] = True
    return out


#: getprop lines of serial numbers (``ro.serialno``, ``ro.boot.serialno``, Samsung's ``ril.serialnumber``…).
_SERIAL_PROP = re.compile(r"^(?P<key>\[[^\]\n]*serial[^\]\n]*\]: \[)(?P<value>[^\]\n]*)\]",
                          re.MULTILINE | re.IGNORECASE)
#: Wi-Fi network names: ``extra: "HomeNet"`` (NetworkInfo) and ``SSID: "HomeNet"`` (NetworkCapabilities).
_SSID = re.compile(r'(?P<label>\bextra: |\bSSID: )"[^"\n]*"')
#: A notification channel's name and description (``mName=…, mDescription=…``): a messaging app names a
#: conversation's channel after the contact. No check reads them (channels are known by ``mId``).
_CHANNEL_TEXT = re.compile(r"\b(?P<label>mName=|mDescription=)[^,\n]+(?=, m)")


def redact_output(probe: str, text: str, regions: tuple[str, ...] = ()) -> str:
    """One command's output as it may be saved: numbers, IDs, addresses and codes removed everywhere, and
    per command what names the owner (Wi-Fi network names in ``dumpsys connectivity``, channel names in
    ``dumpsys notification``) or the phone (serial numbers in ``getprop``, masked). Settings naming the
    owner never got this far (``collect.plan.drop_private``)."""
    text = redact_text(text, regions)
    if probe == "getprop":
        text = _SERIAL_PROP.sub(lambda m: f"{m.group('key')}{mask_identifier(m.group('value'))}]", text)
    elif probe == "connectivity":
        text = _SSID.sub(lambda m: f'{m.group("label")}"{REDACTED}"', text)
    elif probe.startswith("notification:"):
        text = _CHANNEL_TEXT.sub(lambda m: m.group("label") + REDACTED, text)
    return text


def redact_snapshot(snapshot):  # (Snapshot) -> Snapshot; typed loosely to keep this module import-light
    """A copy of a snapshot with every command output scrubbed, for saving or sending to support."""
    from dataclasses import replace

    from droidcheck.snapshot import Snapshot

    regions = phone_regions(snapshot)
    meta = snapshot.meta
    clean = Snapshot(meta=replace(meta, problems=[redact_text(p, regions) for p in meta.problems], redacted=True))
    for out in snapshot.outputs.values():
        clean.add(replace(out, stdout=redact_output(out.probe, out.stdout, regions),
                          error=redact_text(out.error, regions) if out.error else out.error))
    return clean
