"""``droidcheck serve``: the shop counter and the device lab in a browser.

The pieces, each with one job:

* :mod:`.tracker` follows adb's own device tracking (``host:track-devices``) and reports plug/unplug;
* :mod:`.station` holds what the counter page shows for each phone and runs checks, fixes and watches
  through the same library calls as the command line (one read per phone at a time);
* :mod:`.lab` starts fleet runs and turns their progress into page updates;
* :mod:`.events` fans page updates out to every open page (server-sent events);
* :mod:`.security` keeps the pages to loopback or behind a token, and changes behind a CSRF header;
* :mod:`.app` is the Starlette application (routes and templates); :mod:`.commands` the CLI command.

Nothing here is imported by other commands: ``droidcheck --help`` and ``check`` never pay for it.
"""
