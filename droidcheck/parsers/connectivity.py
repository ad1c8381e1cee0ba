"""``dumpsys connectivity`` (usually grep-filtered to ``Active default network|NetworkAgentInfo``).

What is read:

* ``Active default network: <netId>`` or ``Active default network: none`` — ConnectivityService.dump,
  same wording O → V (``services/core/java/com/android/server/ConnectivityService.java`` up to R,
  ``packages/modules/Connectivity/service/src/com/android/server/ConnectivityService.java`` from S).
* One ``NetworkAgentInfo{…}`` line per network (``dumpNetworks`` → ``NetworkAgentInfo.toString``). Its
  layout changed twice:

  - O–Q (``services/core/java/com/android/server/connectivity/NetworkAgentInfo.java``)::

        NetworkAgentInfo{ ni{[type: WIFI[], state: CONNECTED/CONNECTED, reason: (unspecified), …]}
        network{100}  nethandle{…}  lp{…}  nc{[ Transports: WIFI Capabilities: …&VALIDATED&… …]}
        Score{60}  everValidated{true}  lastValidated{true}  created{true} …}

  - R (same file, rewritten)::

        NetworkAgentInfo{network{100}  handle{…}  ni{WIFI CONNECTED extra: …}   Score{60}
        everValidated lastValidated  lp{…}  nc{[ Transports: WIFI Capabilities: … ]}}

  - S+ (Connectivity module ``service/src/com/android/server/connectivity/NetworkAgentInfo.java``):
    as R, but the score is a ``Score(…)`` FullScore and newer builds add ``created=<instant>``,
    ``firstValidated <time>``, ``lastValidated <time>`` and ``factorySerialNumber=<n>``.

  In all of them ``network{<netId>}`` identifies the network and ``nc{…}`` holds
  ``NetworkCapabilities.toString``: ``[ Transports: WIFI|VPN Capabilities: INTERNET&…&VALIDATED …]``.
  The NetworkInfo part gives the state: ``state: CONNECTED/CONNECTED`` (≤Q NetworkInfo.toString) or
  ``ni{WIFI CONNECTED}`` / ``ni{MOBILE[LTE] CONNECTED}`` (R+ NetworkInfo.toShortString: type, optional
  ``[subtype]``, detailed state).

Other lines mentioning NetworkAgentInfo (``NetworkAgentInfo [WIFI () - 100]`` in logs) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DEFAULT = re.compile(r"^\s*Active default network:\s*(?P<value>\S+)\s*$")
_NET_ID = re.compile(r"network\{(?P<id>\d+)\}")
_NC_START = re.compile(r"\bnc\{\[")
_TRANSPORTS = re.compile(r"\bTransports:\s*(?P<t>[A-Z_]+(?:\|[A-Z_]+)*)")
_CAPABILITIES = re.compile(r"\bCapabilities:\s*(?P<c>[A-Z0-9_]+(?:&[A-Z0-9_]+)*)")
_OLD_STATE = re.compile(r"\bstate:\s*[A-Z_]+/(?P<state>[A-Z_]+)")
#: NetworkInfo.DetailedState names. The type before it can be two words ("Bluetooth Tethering").
_DETAILED_STATES = ("IDLE|SCANNING|CONNECTING|AUTHENTICATING|OBTAINING_IPADDR|CONNECTED|SUSPENDED|DISCONNECTING|"
                    "DISCONNECTED|FAILED|BLOCKED|VERIFYING_POOR_LINK|CAPTIVE_PORTAL_CHECK")
_SHORT_NI = re.compile(r"\bni\{(?P<type>[A-Za-z_][A-Za-z_ ]*?)(?:\[[^\]]*\])?\s+(?P<state>"
                       + _DETAILED_STATES + r")\b")


@dataclass(frozen=True)
class NetworkAgent:
    """One network from a ``NetworkAgentInfo{…}`` line."""

    net_id: int
    transports: tuple[str, ...]  # WIFI, CELLULAR, VPN, ETHERNET, BLUETOOTH…
    capabilities: tuple[str, ...]  # INTERNET, VALIDATED, NOT_METERED…
    state: str | None  # NetworkInfo detailed state (CONNECTED, CONNECTING…), None if not printed

    @property
    def validated(self) -> bool:
        return "VALIDATED" in self.capabilities

    @property
    def connected(self) -> bool:
        """Connected, or no state printed (a network agent exists only for a network being set up or up)."""
        return self.state is None or self.state == "CONNECTED"


@dataclass
class ConnectivityDump:
    #: ``Active default network:`` was printed (``default_net_id`` None then means "none").
    default_seen: bool = False
    default_net_id: int | None = None
    networks: dict[int, NetworkAgent] = field(default_factory=dict)
    #: lines that contained ``NetworkAgentInfo{`` but could not be read
    unreadable: int = 0

    @property
    def readable(self) -> bool:
        """The text contained anything this parser understands."""
        return self.default_seen or bool(self.networks)

    @property
    def default_network(self) -> NetworkAgent | None:
        return self.networks.get(self.default_net_id) if self.default_net_id is not None else None


def parse_network_agent(line: str) -> NetworkAgent | None:
    """Read one ``NetworkAgentInfo{…}`` line (any era); None if it lacks a net id or capabilities."""
    start = line.find("NetworkAgentInfo{")
    if start < 0:
        return None
    body = line[start:]
    m_id = _NET_ID.search(body)
    m_nc = _NC_START.search(body)
    if not m_id or not m_nc:
        return None
    nc = body[m_nc.end():]
    m_t = _TRANSPORTS.search(nc)
    m_c = _CAPABILITIES.search(nc)
    transports = tuple(m_t.group("t").split("|")) if m_t else ()
    capabilities = tuple(m_c.group("c").split("&")) if m_c else ()
    head = body[: m_nc.start()]
    m_state = _OLD_STATE.search(head) or _SHORT_NI.search(head)
    return NetworkAgent(int(m_id.group("id")), transports, capabilities,
                        m_state.group("state") if m_state else None)


def parse_connectivity(text: str) -> ConnectivityDump:
    out = ConnectivityDump()
    for line in text.replace("\r", "").split("\n"):
        m = _DEFAULT.match(line)
        if m:
            value = m.group("value")
            if value == "none":
                out.default_seen, out.default_net_id = True, None
            elif value.isdigit():
                out.default_seen, out.default_net_id = True, int(value)
            continue
        if "NetworkAgentInfo{" in line:
            agent = parse_network_agent(line)
            if agent is None:
                out.unreadable += 1
            else:
                out.networks.setdefault(agent.net_id, agent)
    return out
