"""``droidcheck fix``: apply safe fixes with consent, prove they worked by re-checking, undo from the log.

Modules: ``actions`` (the registry: what each fix changes and the commands per Android version),
``plan`` (check result → fixes that apply), ``apply`` (run commands, detect refusals), ``audit`` (JSON
Lines log written before and after each change, ``result["changes"]`` entries), ``session`` (one run),
``undo`` (``--undo``: validate a log against the registry, then restore), ``commands`` (the CLI).

Commands and version gates (AOSP sources checked; simulated in ``droidcheck.sim.render``):

=========================  =====================================================================
airplane_mode_off          API 30+: ``cmd connectivity airplane-mode disable`` (ConnectivityService
                           shell command, Android 11). API 24-29: guided (AIRPLANE_MODE_SETTINGS):
                           the ``android.intent.action.AIRPLANE_MODE`` broadcast is protected and the
                           shell gets "Permission Denial: not allowed to send broadcast". API < 24:
                           ``settings put global airplane_mode_on 0`` + ``am broadcast``.
auto_time_on               ``settings put global auto_time 1`` and ``auto_time_zone 1`` (all versions;
                           global settings need WRITE_SECURE_SETTINGS, which the shell holds).
dnd_off                    API 29+: ``cmd notification set_dnd off`` (NotificationShellCmd usage
                           text). Older: guided (ZEN_MODE_SETTINGS): ZenModeHelper's settings
                           observer writes its own zen mode back over ``settings put global zen_mode``
                           ("Fixing zen mode setting").
grant_*_notifications      API 33+: ``pm grant PKG android.permission.POST_NOTIFICATIONS``. Older:
                           the permission does not exist; guided (APP_NOTIFICATION_SETTINGS with
                           ``android.provider.extra.APP_PACKAGE``).
amazon_background_allow    ``cmd appops set PKG RUN_ANY_IN_BACKGROUND allow`` (P+) /
                           ``RUN_IN_BACKGROUND`` (O), and ``am set-standby-bucket PKG active`` (P+).
open_default_sms_settings  guided: ``am start -a android.settings.MANAGE_DEFAULT_APPS_SETTINGS`` (N+).
enable_sms_app             ``pm enable PKG`` (undo ``pm disable-user --user 0 PKG``).
=========================  =====================================================================
"""
