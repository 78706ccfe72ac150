"""Reading the data: list, show, partners, compare, themes, cities, search, sources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from ..errors import CitynetError
from ..i18n import _, ngettext
from ..model import City, Network
from .app import data_file, dataset
from .options import (
    AS_GIVEN,
    AsOfOption,
    CityArgument,
    KindOption,
    LimitOption,
    Shown,
    StatusOption,
    complete_kind,
    complete_records,
    completions,
    listing_options,
)
from .present import chosen_format, left_out, show

app = typer.Typer()


def _complete_shown(ctx: typer.Context, incomplete: str) -> list[str]:
    """What `show` takes: networks and cities, then source ids."""
    found: list[str] = complete_records(None)(ctx, incomplete)
    try:
        sources = dataset(ctx).sources
    except CitynetError:
        return found
    return found + [s.id for s in sources if s.id.startswith(incomplete) and s.id not in found]


def _complete_theme(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        themes = dataset(ctx).themes
    except CitynetError:
        return []
    return completions(incomplete, ((t.id, (t.name, t.name_en, *t.aliases)) for t in themes))


def _complete_scope(incomplete: str) -> list[str]:
    from ..model import SCOPES

    return completions(incomplete, SCOPES.items())


@app.command("list")
@listing_options(rows=False)
def list_networks(
    ctx: typer.Context,
    theme: Annotated[
        list[str] | None,
        typer.Option(
            "--theme",
            "-t",
            help="Theme slug or alias (repeatable; all must match).",
            autocompletion=_complete_theme,
        ),
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope", help="global, europe, national or regional.", autocompletion=_complete_scope
        ),
    ] = None,
    member: Annotated[
        str | None,
        typer.Option(
            "--member",
            "-m",
            help="Only networks this city is a member of.",
            autocompletion=complete_records(City),
        ),
    ] = None,
    founded_after: Annotated[int | None, typer.Option(help="Founded after this year.")] = None,
    founded_before: Annotated[int | None, typer.Option(help="Founded before this year.")] = None,
    as_of: Annotated[
        int | None,
        typer.Option(
            "--as-of",
            metavar="YEAR",
            help="With --member: only memberships known to be in force in this year.",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="id, name, scope, founded or members.")
    ] = "id",
    limit: LimitOption = None,
    shown: Shown = AS_GIVEN,
) -> None:
    """List networks, filtered by theme, scope, member city or founding year.

    Examples:

      citynet list --theme klima

      citynet list --scope europe --member koeln --sort founded

      citynet list --theme climate --format json | jq '.[].id'

      citynet list --member berlin --as-of 2000
    """
    from ..errors import UsageError
    from ..names import SCOPE, THEME, lookup
    from ..query import filter_networks
    from ..views import network_list

    data = dataset(ctx)
    if as_of is not None and not member:
        raise UsageError(_("--as-of needs --member CITY"))
    chosen: dict[str, Any] = {
        "themes": [lookup(data, t, THEME) for t in theme or ()],
        "scope": lookup(data, scope, SCOPE) if scope else None,
        "member": lookup(data, member, City) if member else None,
    }
    networks = filter_networks(
        data,
        **chosen,
        founded_after=founded_after,
        founded_before=founded_before,
        as_of=as_of,
        sort=sort,
    )
    listing = network_list(data, networks)
    if founded_after is not None or founded_before is not None:
        unknown = sum(n.founded is None for n in filter_networks(data, **chosen))
        note = ngettext(
            "{n} network left out: its founding year is not known.",
            "{n} networks left out: their founding year is not known.",
            unknown,
        )
        left_out(listing, note.format(n=unknown) if unknown else "")
    if as_of is not None and chosen["member"] is not None:
        from ..timeline import known_in_force, undated_note

        memberships = data.memberships_by_city.get(chosen["member"].id, [])
        undated = known_in_force(memberships, as_of)[1]
        left_out(listing, undated_note(undated, as_of) if undated else "")
    show(ctx, listing, shown._replace(limit=limit))


@app.command("show")
@listing_options(rows=False)
def show_record(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Network or city: id, name or alias; or a source id.",
            autocompletion=_complete_shown,
        ),
    ],
    shown: Shown = AS_GIVEN,
) -> None:
    """Show one network or city in full, every fact with its source; or a source.

    Networks and cities are looked for first, then sources (their ids are a namespace
    of their own; an id that is both is reported, `citynet sources ID` shows the source).

    Examples:

      citynet show c40

      citynet show berlin-netzwerke

      citynet show "Klima-Bündnis"

      citynet show koeln --format json
    """
    from ..names import ANYTHING, lookup
    from ..views import city_detail, network_detail, source_detail

    data = dataset(ctx)
    record = lookup(data, name, ANYTHING)
    if isinstance(record, Network):
        listing = network_detail(data, record)
    elif isinstance(record, City):
        listing = city_detail(data, record)
    else:
        listing = source_detail(data, record)
    show(ctx, listing, shown)


@app.command()
@listing_options()
def partners(
    ctx: typer.Context,
    city: CityArgument,
    kind: KindOption = None,
    not_kind: Annotated[
        list[str] | None,
        typer.Option(
            "--not-kind",
            help="Leave out the partner cities that have a relation of this kind with the "
            "city (repeatable): `--not-kind partnership` lists those without a formal "
            "partnership.",
            autocompletion=complete_kind,
        ),
    ] = None,
    as_of: AsOfOption = None,
    status: StatusOption = None,
    shown: Shown = AS_GIVEN,
) -> None:
    """A city's partner cities, in both directions, with kind, period and state.

    Examples:

      citynet partners berlin

      citynet partners paris --kind partnership

      citynet partners berlin --format tsv | cut -f2

      citynet partners berlin --not-kind partnership

      citynet partners berlin --as-of 1990

      citynet partners berlin --status suspended
    """
    from ..names import KIND, STATUS, lookup
    from ..query import partners_of
    from ..views import partner_list

    data = dataset(ctx)
    found = lookup(data, city, City)
    kinds = [lookup(None, k, KIND) for k in kind or ()]
    excluded = [lookup(None, k, KIND) for k in not_kind or ()]
    found_partners = partners_of(data, found, kinds, without=excluded)
    note = ""
    if status is not None or as_of is not None:
        from ..timeline import known_in_force, status_of, undated_note

        if status is not None:
            state = lookup(None, status, STATUS)
            found_partners = [p for p in found_partners if status_of(p.partnership) == state]
        if as_of is not None:
            found_partners, undated = known_in_force(found_partners, as_of, lambda p: p.partnership)
            note = undated_note(undated, as_of) if undated else ""
    # A terminal table gives each partner city one row; tsv and json one per relation.
    grouped = chosen_format(shown.fmt, shown.output) == "table"
    listing = partner_list(found, found_partners, grouped)
    left_out(listing, note)
    show(ctx, listing, shown)


@app.command()
@listing_options(rows=False)
def compare(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(
            help="Two or more networks, or two or more cities.",
            autocompletion=complete_records(None),
        ),
    ],
    shown: Shown = AS_GIVEN,
) -> None:
    """Compare networks attribute by attribute, or cities by networks and partners.

    Examples:

      citynet compare eurocities cemr

      citynet compare c40 iclei klima-buendnis

      citynet compare berlin koeln
    """
    from ..errors import UsageError
    from ..names import lookup
    from ..views import city_comparison, network_comparison

    if len(names) < 2:
        raise UsageError(_("compare needs at least two names"))
    data = dataset(ctx)
    records = [lookup(data, n) for n in names]
    if all(isinstance(r, Network) for r in records):
        show(ctx, network_comparison(data, records), shown)  # type: ignore[arg-type]
    elif all(isinstance(r, City) for r in records):
        show(ctx, city_comparison(data, records), shown)  # type: ignore[arg-type]
    else:
        raise UsageError(
            _("compare either networks or cities, not both: ")
            + ", ".join(f"{r.id} ({_(type(r).__name__.lower())})" for r in records)
        )


@app.command()
@listing_options()
def themes(
    ctx: typer.Context,
    shown: Shown = AS_GIVEN,
) -> None:
    """The theme vocabulary, with how many networks each theme has.

    Examples:

      citynet themes

      citynet themes --format ids
    """
    from ..views import theme_list

    show(ctx, theme_list(dataset(ctx)), shown)


@app.command()
@listing_options()
def cities(
    ctx: typer.Context,
    country: Annotated[
        str | None,
        typer.Option("--country", "-c", help="ISO 3166-1 code or name, e.g. DE or Deutschland."),
    ] = None,
    shown: Shown = AS_GIVEN,
) -> None:
    """Cities with country and counts of memberships and partners.

    Examples:

      citynet cities

      citynet cities --country DE --format csv > staedte.csv

      citynet cities --sort -partners --limit 10
    """
    from ..names import COUNTRY, lookup
    from ..query import CitiesInOrder, filter_cities
    from ..views import city_list

    data = dataset(ctx)
    code = lookup(data, country, COUNTRY) if country else None
    # Without --sort the first rows are known before any is built: build only those,
    # in the order the cache keeps for this content (no need to read every city).
    limit = shown.limit
    early = limit if shown.sort is None and limit is not None and limit >= 0 else None
    if early is not None and code is None:
        from ..completion import cached_city_order

        found: Sequence[City] = CitiesInOrder(data, cached_city_order(data_file(ctx)))
    else:
        found = filter_cities(data, code)
    listing = city_list(data, found, early)
    show(ctx, listing, shown if early is None else shown._replace(limit=None))


@app.command()
@listing_options()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Text to look for (case and accents ignored).")],
    shown: Shown = AS_GIVEN,
) -> None:
    """Search names, aliases and descriptions of networks and cities.

    Examples:

      citynet search rassismus

      citynet search "covenant" --format ids
    """
    from ..cache import remembered
    from ..query import SEARCH_LABEL, SearchPatch, patched_search, search_lines
    from ..query import search as search_dataset
    from ..views import search_results

    lines = remembered(
        data_file(ctx), SEARCH_LABEL, search_lines, dict[str, str], patched_search, SearchPatch
    )
    show(ctx, search_results(search_dataset(dataset(ctx), text, lines)), shown)


# --- real data: member lists, joining duplicates ---------------------------------------


def _complete_source(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        return [s.id for s in dataset(ctx).sources if s.id.startswith(incomplete.lower())]
    except CitynetError:
        return []


@app.command()
@listing_options(rows=False)
def sources(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Argument(
            help="A source id: show it with the records that rest on it.",
            autocompletion=_complete_source,
            show_default=False,
        ),
    ] = None,
    shown: Shown = AS_GIVEN,
) -> None:
    """The sources every fact cites: publisher, title, language, file, address, licence,
    date retrieved and how to cite it.

    Addresses, licences and retrieval dates are shown where the data has them (an
    import records them); the documents do not state them, so none is made up.

    Examples:

      citynet sources

      citynet sources berlin-netzwerke

      citynet sources --format ids
    """
    from ..model import Source
    from ..names import lookup
    from ..views import source_detail, source_list

    data = dataset(ctx)
    if source is None:
        show(ctx, source_list(data), shown)
        return
    found = lookup(data, source, Source)
    show(ctx, source_detail(data, found), shown)


# --- maps and reports ---------------------------------------------------------------
