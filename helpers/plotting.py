"""The house plot style: explicit rcParams, and one colour and line style per penalty kind.

Every figure and legend in the course uses :data:`PENALTY_STYLES`, so "L1" always looks the same. Colours are
ColorBrewer's Dark2 (colour-blind safe); each kind's own line style survives grey-scale printing.
"""

import base64
import html
import io

import matplotlib
from matplotlib import font_manager

from helpers._text import _
from helpers._validation import check_choice

__all__ = ["apply_style", "penalty_style", "show"]

PENALTY_STYLES = {
    "none": {"color": "#666666", "linestyle": "-", "label": "none"},
    "l1": {"color": "#d95f02", "linestyle": "--", "label": "L1"},
    "l2": {"color": "#1b9e77", "linestyle": "-.", "label": "L2"},
    "l1_l2": {"color": "#7570b3", "linestyle": ":", "label": "L1+L2"},
    "group": {"color": "#e7298a", "linestyle": "-", "label": "group lasso"},  # lesson 06's penalty on whole filters
}
# For figures in Chinese (setup_notebook(language="zh")): the first of these installed, else boxes for characters.
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei", "WenQuanYi Zen Hei"]

# Set one by one instead of a named style sheet: named styles have been renamed between releases, rcParams not.
_RC_PARAMS = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}


def apply_style(language="en"):
    """Apply the course's rcParams to matplotlib (idempotent); for "zh", a font with Chinese characters first."""
    matplotlib.rcParams.update(_RC_PARAMS)
    if language == "zh":
        fonts = font_manager.fontManager
        if not {font.name for font in fonts.ttflist} & set(CJK_FONTS):  # installed after matplotlib cached its list?
            for path in set(font_manager.findSystemFonts()) - {font.fname for font in fonts.ttflist}:
                fonts.addfont(path)
        found = [name for name in CJK_FONTS if name in {font.name for font in fonts.ttflist}]
        if found:  # matplotlib's own font first, so Latin text, subscripts and signs look as in English; CJK after it
            matplotlib.rcParams["font.family"] = ["DejaVu Sans", found[0]]
        else:
            print(
                "没有找到中文字体，图中的汉字会显示为方框：请安装一个（Debian/Ubuntu：sudo apt install fonts-noto-cjk；"
                "Windows 和 macOS 已自带）。No Chinese font found: Chinese characters in figures will show as boxes; "
                "install one (Debian/Ubuntu: sudo apt install fonts-noto-cjk; Windows and macOS have one built in)."
            )


def penalty_style(kind):
    """Return the keyword arguments (colour, line style, label) for a penalty kind."""
    check_choice("penalty kind", kind, tuple(PENALTY_STYLES))
    return {**PENALTY_STYLES[kind], "label": _(PENALTY_STYLES[kind]["label"])}


def show(figure, description):
    """Show ``figure`` in the notebook with its text alternative ``description`` (what it shows, in words).

    JupyterLab draws an ``image/png`` output without alt text, so the figure also goes out as HTML, an image with
    the description as its ``alt`` (JupyterLab prefers the HTML), and the description is printed under it as a
    caption everyone sees. The PNG keeps the description in its metadata for other renderers.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not isinstance(description, str) or len(description.split()) < 5:
        raise ValueError(f"description must say in a sentence what the figure shows, got {description!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=figure.dpi)  # as the inline backend draws it
    plt.close(figure)
    image = base64.b64encode(buffer.getvalue()).decode("ascii")
    bundle = {
        "text/html": f'<img src="data:image/png;base64,{image}" alt="{html.escape(description)}">',
        "image/png": image,
        "text/plain": f"<{_('Figure: ')}{description}>",
    }
    display(bundle, raw=True, metadata={"image/png": {"alt": description}})
    print(_("Figure: ") + description)
