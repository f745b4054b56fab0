"""The care coordinator's page: `calaimfiles serve` runs it on the user's own machine.

A thin layer like `commands/`: every check, fix, draft, comparison and transfer is the library's, the web layer
only stores the files it is given (in a private folder, `workspace`), guards every request (`security`) and
turns the library's results into pages (`views`, `templates/`, `static/`).
"""
