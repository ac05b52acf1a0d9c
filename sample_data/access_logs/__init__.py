"""Web-server access logs: sessions of hits, planted malformed lines and combined-format files."""
