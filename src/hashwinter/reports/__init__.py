"""Tables, charts and HTML reports."""
