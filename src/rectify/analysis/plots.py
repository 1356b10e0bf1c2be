"""The charts, with matplotlib: each takes the table it draws and an optional Axes, and returns
the Figure.

Chinese labels need a CJK font. :func:`cjk_font` looks for one on the machine (``fc-list
:lang=zh``, then matplotlib's own font list) and puts it first in matplotlib's sans-serif
fonts; when there is none, the charts are still drawn, and a :class:`CJKFontMissing` warning
says once that Chinese text will show as boxes and how to install a font (Debian:
``apt-get install fonts-noto-cjk``, or ``fonts-wqy-microhei``).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import warnings
from typing import TYPE_CHECKING, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib import pyplot as plt

from rectify.analysis.frames import OPEN_STATES
from rectify.domain.values import Mode, Source, Status

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


class CJKFontMissing(UserWarning):
    """No font on this machine draws Chinese: labels in Chinese will show as boxes."""


_KNOWN_CJK = (
    "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans SC",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
    "Heiti SC", "AR PL UMing CN", "Droid Sans Fallback",
)  # fmt: skip
"""Families known to draw Chinese, looked for in matplotlib's list when fc-list is absent."""


def _from_fontconfig() -> str | None:
    """The family of the first font fontconfig says covers Chinese, registered with matplotlib."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(found.splitlines()):
        path, _, families = line.partition(":")
        family = families.strip().split(",")[0].strip()
        if not family:
            continue
        try:
            font_manager.fontManager.addfont(path.strip())
        except (OSError, RuntimeError, ValueError):
            continue
        return family
    return None


@functools.cache
def cjk_font() -> str | None:
    """The family of a font that draws Chinese, made matplotlib's first sans-serif font (None,
    with a :class:`CJKFontMissing` warning, when the machine has none). Found once a process."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    family = next((name for name in _KNOWN_CJK if name in known), None) or _from_fontconfig()
    if family is None:
        warnings.warn(
            "no CJK font found (fc-list :lang=zh lists none): Chinese labels will show as "
            "boxes; install one (Debian: apt-get install fonts-noto-cjk) and restart Python",
            CJKFontMissing,
            stacklevel=4,  # the chart the user drew
        )
        # Said once here, rather than once per character at every draw.
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        return None
    sans = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *sans]
    mpl.rcParams["axes.unicode_minus"] = False  # many CJK fonts lack U+2212
    return family


def _axes(ax: Axes | None, size: tuple[float, float] = (9, 4.5)) -> tuple[Figure, Axes]:
    cjk_font()
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        return fig, ax
    figure = ax.get_figure()
    assert figure is not None
    return figure.get_figure(root=True), ax


_STATE_LABEL = {s.value: f"{s.label} {s.value.replace('_', ' ')}" for s in Status}
_MODE_LABEL = {m.value: f"{m.label} {m.value.replace('_', ' ')}" for m in Mode}
_SOURCE_LABEL = {s.value: f"{s.label} {s.value.replace('_', ' ')}" for s in Source}
_STATE_COLOUR = {
    "found": "#d62728",
    "assigned": "#ff7f0e",
    "rectified": "#bcbd22",
    "verified": "#17becf",
    "closed_out": "#2ca02c",
    "withdrawn": "#7f7f7f",
}


def burn_down(flow: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """未銷號問題 over time: open and overdue problems at the end of each period
    (``flow`` is :func:`~rectify.analysis.open_over_time`)."""
    fig, ax = _axes(ax)
    ax.plot(flow.index, flow["open"], label="未銷號 open", color="#1f77b4", drawstyle="steps-post")
    ax.fill_between(flow.index, flow["overdue"], step="post", color="#d62728", alpha=0.35)
    ax.plot(
        flow.index, flow["overdue"], label="逾期 overdue", color="#d62728", drawstyle="steps-post"
    )
    ax.set_title("整改燃盡圖 Burn-down of open problems")
    ax.set_xlabel("日期 date")
    ax.set_ylabel("問題數 problems")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def cumulative_flow(flow: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Problems in each state over time, stacked (closed out at the bottom)."""
    fig, ax = _axes(ax)
    order = ["closed_out", "verified", "rectified", "assigned", "found", "withdrawn"]
    ax.stackplot(
        flow.index,
        *[flow[s].to_numpy() for s in order],
        labels=[_STATE_LABEL[s] for s in order],
        colors=[_STATE_COLOUR[s] for s in order],
        alpha=0.85,
        step="post",
    )
    ax.set_title("累積流圖 Cumulative flow by state")
    ax.set_xlabel("日期 date")
    ax.set_ylabel("問題數 problems")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def ageing_histogram(timeline: pd.DataFrame, ax: Axes | None = None, bins: int = 20) -> Figure:
    """Ages (days since found) of the problems still open on the timeline's date, the overdue
    ones apart (``timeline`` is :func:`~rectify.analysis.timeline`)."""
    fig, ax = _axes(ax)
    still_open = timeline[timeline["status"].isin(OPEN_STATES)]
    ages = [
        still_open.loc[~still_open["overdue"], "age_days"].to_numpy(),
        still_open.loc[still_open["overdue"], "age_days"].to_numpy(),
    ]
    top = max((int(a.max()) for a in ages if len(a)), default=1)
    ax.hist(
        ages,
        bins=np.linspace(0, max(top, 1), bins + 1).tolist(),
        stacked=True,
        label=["未逾期 not overdue", "逾期 overdue"],
        color=["#1f77b4", "#d62728"],
    )
    as_of = timeline.attrs.get("as_of")
    ax.set_title(f"未銷號問題賬齡 Ageing of open problems{f' ({as_of})' if as_of else ''}")
    ax.set_xlabel("發現以來天數 days since found")
    ax.set_ylabel("問題數 problems")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def unit_gantt(
    intervals: pd.DataFrame,
    unit: str | None = None,
    ax: Axes | None = None,
    *,
    limit: int = 40,
) -> Figure:
    """A Gantt chart of rectification: one bar per problem of ``unit`` (its acting unit; the
    unit with most problems when None), coloured by state, at most ``limit`` problems
    (``intervals`` is :func:`~rectify.analysis.state_intervals`)."""
    if unit is None:
        counts = intervals.groupby("acting_unit", observed=True)["seq"].nunique()
        unit = str(counts.idxmax()) if len(counts) else ""
    mine = intervals[intervals["seq"].isin(intervals.loc[intervals["acting_unit"] == unit, "seq"])]
    seqs = sorted(mine["seq"].unique())[:limit]
    fig, ax = _axes(ax, (10, max(3.0, 0.3 * len(seqs) + 1.5)))
    as_of = pd.Timestamp(intervals.attrs.get("as_of") or mine["entered"].max())
    shown = mine[mine["seq"].isin(seqs)]
    rows = shown["seq"].map({seq: i for i, seq in enumerate(seqs)}).to_numpy()
    starts = shown["entered"].to_numpy(dtype="datetime64[ns]")
    # A state passed through on the day it was entered still shows, as a sliver.
    days = (shown["left"].fillna(as_of) - shown["entered"]).dt.days.to_numpy(dtype="float64")
    widths = (np.maximum(days, 0.6) * 86_400).astype("timedelta64[s]")
    states = shown["state"].astype(str).to_numpy()
    drawn = [s for s in _STATE_COLOUR if (states == s).any()]
    for state in drawn:
        mask = states == state
        ax.barh(
            rows[mask],
            widths[mask],
            left=starts[mask],
            color=_STATE_COLOUR[state],
            label=_STATE_LABEL[state],
            height=0.7,
        )
    ax.set_yticks(range(len(seqs)), [f"#{s}" for s in seqs])
    ax.invert_yaxis()
    ax.set_title(f"{unit} 整改甘特圖 Rectification Gantt")
    ax.set_xlabel("日期 date")
    ax.set_ylabel("序號 problem")
    if drawn:
        ax.legend(loc="lower right", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return fig


By = Literal["mode", "source", "severity", "acting_unit"]


def time_to_close(timeline: pd.DataFrame, by: By = "mode", ax: Axes | None = None) -> Figure:
    """Kaplan–Meier curves of the time from found to closed out (銷號), one per ``by`` group:
    the share of problems still not closed out after t days. Problems still open on the
    timeline's date are censored at their age, withdrawn ones at their withdrawal (lifelines'
    ``KaplanMeierFitter``)."""
    from lifelines import KaplanMeierFitter

    fig, ax = _axes(ax)
    closed = timeline["closed_out_on"].notna()
    withdrawn = timeline["withdrawn_on"].notna() & ~closed
    durations = timeline["age_days"].astype("float64")
    durations = durations.where(~closed, timeline["days_to_closed_out"].astype("float64"))
    durations = durations.where(~withdrawn, timeline["days_to_withdrawn"].astype("float64"))
    labels = {"mode": _MODE_LABEL, "source": _SOURCE_LABEL}.get(by, {})
    groups = pd.Series(
        ["" if pd.isna(v) else str(v) for v in timeline[by]], index=timeline.index, dtype=object
    )
    for key in dict.fromkeys(groups):
        mask = groups == key
        name = labels.get(key, key) if key else "未整改 not rectified"
        fitter = KaplanMeierFitter(label=f"{name} (n={int(mask.sum())})")
        fitter.fit(durations[mask], event_observed=closed[mask])
        fitter.plot_survival_function(ax=ax, ci_show=False)
    ax.set_title("整改銷號時長 Time to close out (Kaplan–Meier)")
    ax.set_xlabel("發現以來天數 days since found")
    ax.set_ylabel("未銷號比例 share not closed out")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    return fig


def on_time_rate(timeline: pd.DataFrame) -> pd.DataFrame:
    """Per acting unit: problems with a deadline that were rectified or are overdue (``due``),
    how many of them were rectified by their deadline (``on_time``), and the ``rate``, best
    first."""
    due = timeline[
        timeline["deadline"].notna() & (timeline["rectified_on"].notna() | timeline["overdue"])
    ]
    on_time = due["rectified_on"].notna() & ~due["rectified_late"]
    table = (
        pd.DataFrame({"unit": due["acting_unit"].astype(str), "on_time": on_time})
        .groupby("unit")
        .agg(due=("on_time", "size"), on_time=("on_time", "sum"))
    )
    table["rate"] = table["on_time"] / table["due"]
    return table.sort_values(["rate", "due"], ascending=[False, False])


def on_time_by_unit(
    timeline: pd.DataFrame, ax: Axes | None = None, *, top: int | None = 30
) -> Figure:
    """On-time rate (按期整改率) by acting unit as a ranked bar chart, the ``top`` units with the
    most problems due (see :func:`on_time_rate`)."""
    table = on_time_rate(timeline)
    if top is not None:
        table = table.nlargest(top, "due").sort_values(["rate", "due"], ascending=[False, False])
    fig, ax = _axes(ax, (9, max(3.0, 0.28 * len(table) + 1.5)))
    colours = [
        "#2ca02c" if r >= 0.9 else "#ff7f0e" if r >= 0.6 else "#d62728" for r in table["rate"]
    ]
    ax.barh(range(len(table)), table["rate"].to_numpy(), color=colours)
    ax.set_yticks(
        range(len(table)), [f"{u} ({d})" for u, d in zip(table.index, table["due"], strict=True)]
    )
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title("各單位按期整改率 On-time rate by unit")
    ax.set_xlabel("按期整改比例 share rectified by the deadline")
    ax.grid(axis="x", alpha=0.3)
    return fig


__all__ = [
    "CJKFontMissing",
    "ageing_histogram",
    "burn_down",
    "cjk_font",
    "cumulative_flow",
    "on_time_by_unit",
    "on_time_rate",
    "time_to_close",
    "unit_gantt",
]
