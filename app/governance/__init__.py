"""The four levels of governance, their rules, and the matters each may decide."""
