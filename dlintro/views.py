"""The TensorBoard views that tell a lesson's story; each lesson lists its own as `VIEWS`.

`make screenshots` saves every lesson's views as pictures, and the README shows them. This
module does not import TensorFlow.
"""

import dataclasses
import urllib.parse

from dlintro import lessons


@dataclasses.dataclass(frozen=True)
class View:
    """One view of TensorBoard that tells part of a lesson's story, and its screenshot.

    Args:
        file: the PNG's name (without `.png`) under `docs/screenshots/`.
        caption: what the picture shows, one sentence.
        dashboard: `timeseries`, or an older dashboard (`images`, `histograms`, `custom_scalars`...).
        tag_filter: a regular expression over tag names (the dashboard's filter box).
        run_filter: a regular expression over the lesson's variant names, matched from the start
            of the name (for example `xor-` or `sigmoid|relu`); empty for every variant.
        shows: words the page must show before the picture is taken (tags, variant names).
        image_step: move every image card's step slider to this log point (0 = untrained);
            by default the cards show the last one.
        full_size: widen the first card to the whole dashboard (for a chart of many lines).
        log_y: draw the charts' y axes on a log scale.
        actual_size: show pictures at their own size rather than shrunk to the card.
        size: the browser window's (width, height) in pixels.
    """

    file: str
    caption: str
    dashboard: str = "timeseries"
    tag_filter: str = ""
    run_filter: str = ""
    shows: tuple = ()
    image_step: int | None = None
    full_size: bool = False
    log_y: bool = False
    actual_size: bool = False
    size: tuple = (1600, 1000)

    def url(self, server_url, lesson):
        """This view's address on a server whose runs are named `<lesson>/<variant>`."""
        run_filter = f"^{lesson}/(?:{self.run_filter or '.*'})"
        if self.dashboard == "timeseries":
            query = urllib.parse.urlencode({"tagFilter": self.tag_filter, "runFilter": run_filter, "smoothing": 0})
            return f"{server_url}/?{query}#timeseries"
        # The older dashboards keep their state in the URL's fragment.
        fragment = urllib.parse.urlencode({"tagFilter": self.tag_filter, "regexInput": run_filter})
        return f"{server_url}/#{self.dashboard}&{fragment}"


def views_of(name):
    """The `VIEWS` of lesson `name` (an empty tuple for a lesson that lists none)."""
    return tuple(getattr(lessons.load(name), "VIEWS", ()))


def guide_links(name, server_url="http://127.0.0.1:6006", limit=4):
    """Up to `limit` `(caption, URL)` pairs that open lesson `name`'s views, one per distinct URL.

    Two views that differ only in the step their picture shows share a URL; the one that shows
    the last step (what the page opens on) is kept.
    """
    links = {}  # URL: caption, in the order the views are listed
    for view in views_of(name):
        url = view.url(server_url, name)
        if url not in links or view.image_step is None:
            links[url] = view.caption
    return [(caption, url) for url, caption in links.items()][:limit]
