"""Which module defines each command: the root group imports a module only when one
of its commands is run (or --help lists them all)."""

# command (or group) name → module under citynet.cli; the order is that of --help.
COMMANDS: dict[str, str] = {
    "check": "edit",
    "list": "browse",
    "show": "browse",
    "partners": "browse",
    "timeline": "timeline",
    "compare": "browse",
    "themes": "browse",
    "cities": "browse",
    "search": "browse",
    "merge": "edit",
    "graph": "drawings",
    "stats": "figures",
    "suggest": "figures",
    "path": "figures",
    "export": "bridges",
    "schema": "bridges",
    "sources": "browse",
    "map": "drawings",
    "report": "drawings",
    "add": "edit",
    "edit": "edit",
    "remove": "edit",
    "fields": "edit",
    "fmt": "edit",
    "import": "imports",
    "wikidata": "wikidata",
}
