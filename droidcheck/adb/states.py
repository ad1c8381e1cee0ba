"""Device states as the ADB server reports them, with what a person should do about each."""

from __future__ import annotations

READY = "device"

#: Plain-language hint for every state that is not ready. Keys are the server's own words.
STATE_HINTS: dict[str, str] = {
    "unauthorized": "Unlock the phone and tap 'Allow' on the 'Allow USB debugging?' prompt "
    "(tick 'Always allow from this computer'). No prompt? Unplug and replug the cable, or in "
    "Developer options tap 'Revoke USB debugging authorisations' and try again.",
    "offline": "The phone is attached but not answering. Unplug and replug it; if it stays offline, "
    "restart the phone, then run 'adb kill-server' on this computer.",
    "no permissions": "This computer is not allowed to open the phone's USB device. On Linux add a "
    "udev rule for the phone's maker (or run adb as a user in the plugdev group); on Windows install "
    "the maker's USB driver.",
    "authorizing": "The phone is still deciding whether to trust this computer: wait a few seconds "
    "and look at the phone's screen.",
    "connecting": "Still connecting: wait a few seconds and try again.",
    "recovery": "The phone is in recovery mode: choose 'Reboot system now' on the phone.",
    "rescue": "The phone is in rescue mode: restart it normally.",
    "sideload": "The phone is waiting for a sideload: restart it normally.",
    "bootloader": "The phone is in the bootloader (fastboot): restart it normally.",
    "host": "This is an ADB server, not a phone.",
    "disconnected": "The phone was unplugged or the network connection dropped: reconnect it.",
}

DEFAULT_HINT = "The phone is not ready for debugging: unplug and replug it, and check that USB debugging " \
    "is on (Settings → Developer options)."


def hint_for(state: str) -> str | None:
    """A hint for a non-ready state; None when the device is ready."""
    if state == READY:
        return None
    return STATE_HINTS.get(state, DEFAULT_HINT)
