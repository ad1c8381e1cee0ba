"""Pure parsers: text an Android command printed → structured data. They never raise on odd input."""
