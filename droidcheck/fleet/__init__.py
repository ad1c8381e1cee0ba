"""``droidcheck fleet``: check many phones on several ADB servers at once, lose nothing, keep history.

Modules: ``inventory`` (lab YAML), ``plan`` (which devices on which server), ``runner`` (bounded
concurrent reads), ``store`` (run directory, results.jsonl), ``summary`` (table, summary.json, JUnit),
``history`` (SQLite runs and diffs), ``progress`` (live display on a TTY).
"""
