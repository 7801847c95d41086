"""The transition figure's title is the whole repr, wrapped inside the figure, never cut."""

from __future__ import annotations

import warnings

from phasetrans.analysis.transition import transition
from phasetrans.testing import transition_study


def test_the_title_is_whole_and_inside_the_figure():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = transition(transition_study(), bootstrap=4, systematics=False)
    title = "a long title " * 30
    fig = result.plot(title=title)
    text = fig._suptitle.get_text()
    assert text.replace("\n", " ") == title.strip()  # wrapped, nothing cut
    assert len(text.splitlines()) >= 2
    default = result.plot()._suptitle.get_text().replace("\n", " ")
    assert default == repr(result)[1:-1]  # the whole repr (it was cut at 140 characters)
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert box.y1 <= fig.bbox.y1 + 0.5 and box.x0 >= -0.5 and box.x1 <= fig.bbox.x1 + 0.5
