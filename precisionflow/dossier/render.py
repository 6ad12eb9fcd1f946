"""HTML of the dossiers and the cohort index: Jinja2 templates (package data), DataTables inlined.

The interactive tables are DataTables through itables in its offline mode: the bundle (DataTables,
jQuery, their CSS) is inlined once per page, so the page needs no network and opens from a USB stick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import itables
import itables.options
import jinja2
import pandas as pd
from markupsafe import Markup

from precisionflow.dossier.sections import SECTIONS
from precisionflow.dossier.svg import SCATTER_SIZE, Scatter

# itables' controls for the tables a clinician searches (search box, length, info, paging)
SEARCHABLE_LAYOUT = {"topStart": "pageLength", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"}


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("precisionflow.dossier", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def datatables_bundle() -> Markup:
    """itables' offline initialisation: the DataTables bundle and its CSS, inlined (base64)."""
    return Markup(itables.javascript.generate_init_offline_itables_html(itables.options.dt_bundle))


def interactive_table(frame: pd.DataFrame, table_id: str, *, page_length: int = 25) -> Markup:
    """A sortable, filterable DataTable of ``frame`` (data inlined as JSON; ids fixed, so bytes are stable)."""
    return Markup(
        itables.to_html_datatable(
            frame,
            connected=False,
            table_id=table_id,
            display_logo_when_loading=False,
            layout=SEARCHABLE_LAYOUT,
            pageLength=page_length,
            lengthMenu=[10, 25, 100, -1],
            classes="display compact",
            showIndex=False,
            maxBytes=0,  # never downsample: a dossier lists every variant
            allow_html=False,
        )
    )


def umap_background(scatter: Scatter | None) -> Markup:
    """The cohort's points of the UMAP figure, drawn once for every patient's page."""
    if scatter is None:
        return Markup("")
    return Markup(environment().get_template("umap_points.svg.j2").render(s=scatter, size=SCATTER_SIZE))


def render_dossier(dossier: Mapping, cohort_name: str, background: Markup | None = None) -> str:
    """One patient's self-contained page (``background``: :func:`umap_background` of the cohort)."""
    genomic = dossier["by_id"]["genomic"]
    variants = genomic.get("variants")
    return (
        environment()
        .get_template("dossier.html.j2")
        .render(
            d=dossier,
            h=dossier["header"],
            s=dossier["by_id"],
            section_titles=SECTIONS,
            cohort=cohort_name,
            bundle=datatables_bundle(),
            variant_table=interactive_table(variants, "variants") if variants is not None else None,
            background=background or Markup(""),
            size=SCATTER_SIZE,
        )
    )


def render_index(
    header, patients: Sequence[Mapping], overview: Mapping, fairness: pd.DataFrame | None, reasons: Mapping[str, str]
) -> str:
    """The cohort's page: a row per patient linking their dossier, and the cohort overview."""
    table = pd.DataFrame(patients)
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            h=header,
            patients=patients,
            overview=overview,
            fairness=fairness.to_dict(orient="records") if fairness is not None else None,
            reasons=reasons,
            n=len(table),
        )
    )
