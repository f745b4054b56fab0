"""The page's state for one launch: one user's, on their own machine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jinja2
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from calaimfiles.config import Config
from calaimfiles.layouts import plan_names
from calaimfiles.reading.workbook import READABLE_SUFFIXES
from calaimfiles.validate import today_in_california
from calaimfiles.web.grid import quoted
from calaimfiles.web.security import Keys
from calaimfiles.web.workspace import Workspace

if TYPE_CHECKING:
    from calaimfiles.web.glance import PeriodCache


@dataclass
class Page:
    """What the page knows for this launch. `as_of` fixes 'today' (None: today in California at each request);
    `plan` is the plan profile files are read as, chosen on the page."""

    keys: Keys
    workspace: Workspace
    config: Config
    max_upload_bytes: int
    as_of: dt.date | None = None
    plan: str | None = None
    templates: Jinja2Templates = field(init=False)
    periods: PeriodCache = field(init=False)

    def __post_init__(self) -> None:
        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("calaimfiles.web", "templates"), autoescape=True,
            trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        environment.filters["quoted"] = quoted
        environment.globals["readable"] = READABLE_SUFFIXES  # what the file fields accept, as the CLI reads
        self.templates = Jinja2Templates(env=environment)
        from calaimfiles.web.glance import PeriodCache  # glance imports the handlers, which import this module

        self.periods = PeriodCache()

    def today(self) -> dt.date:
        return self.as_of or today_in_california()

    def plan_choices(self) -> list[str]:
        registered = self.config.data.get("plans", {})
        return plan_names() + sorted(name for name in registered if name not in plan_names())

    def profiles(self) -> list[str]:
        """The sFTP profiles of the configuration file."""
        table = self.config.data.get("profiles", {})
        return sorted(name for name, value in table.items() if isinstance(value, dict)) if isinstance(
            table, dict) else []


def page_of(request: Request) -> Page:
    page: Page = request.app.state.page
    return page
