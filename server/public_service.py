"""The public-service items of office.toml: Standar and Maklumat Pelayanan, survey, complaints.

UU 25/2009 expects a public-service office to publish its service standards and service
promise, to run a satisfaction survey (PermenPANRB 14/2017) and to name its complaint
channels (SP4N-LAPOR!, the Ombudsman, its own). Each link is a setting with a `confirmed`
flag: what the office has not checked is flagged by `check` and `/healthz`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from server.errors import ConfigError

# The settings of [public_service] that are links (or guides), in the order the page shows them.
LINKS = ("standar_pelayanan", "maklumat_pelayanan", "survey", "lapor", "ombudsman")


class PublicServiceError(ConfigError, ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class ServiceLink:
    """A link, or a guide of the catalog by its slug; neither means "not published yet"."""

    key: str
    url: str
    guide: str
    confirmed: bool

    @property
    def is_set(self) -> bool:
        return bool(self.url or self.guide)


@dataclass(frozen=True)
class PublicService:
    links: tuple[ServiceLink, ...]
    office_contact: Mapping[str, str]  # id/en text: how to complain to the office itself
    no_brokers_guides: tuple[str, ...]  # guides that carry the "official fee only" notice

    def link(self, key: str) -> ServiceLink:
        return next(link for link in self.links if link.key == key)

    def warnings(self, where: str) -> list[str]:
        notes = []
        for link in self.links:
            name = f"{where}: public_service.{link.key}"
            if not link.is_set:
                notes.append(f"{name} is not set; applicants are told to ask at the office")
            elif not link.confirmed:
                notes.append(f"{name} ({link.url or link.guide}) is not confirmed")
        if not self.office_contact:
            notes.append(f"{where}: public_service.office_contact is not set")
        return notes


def parse_public_service(data: Any) -> PublicService:
    if not isinstance(data, dict):
        raise PublicServiceError("public_service", "must be a table ([public_service])")
    links = []
    for key in LINKS:
        item = data.get(key, {})
        if not isinstance(item, dict):
            raise PublicServiceError(key, "must be a table with url (or guide) and confirmed")
        url = _text(item, "url", key)
        if url and (urlsplit(url).scheme != "https" or not urlsplit(url).netloc):
            raise PublicServiceError(f"{key}.url", f"must start with https://, got {url!r}")
        guide = _text(item, "guide", key)
        if url and guide:
            raise PublicServiceError(key, "give url or guide, not both")
        if key in ("survey", "lapor", "ombudsman") and guide:
            raise PublicServiceError(f"{key}.guide", "this one is a link: use url")
        confirmed = item.get("confirmed", False)
        if not isinstance(confirmed, bool):
            raise PublicServiceError(f"{key}.confirmed", "must be true or false")
        links.append(ServiceLink(key, url, guide, confirmed))
    contact = data.get("office_contact", {})
    if not isinstance(contact, dict):
        raise PublicServiceError("office_contact", "must be a table with id and en")
    texts = {lang: _text(contact, lang, "office_contact") for lang in ("id", "en")}
    if any(texts.values()) and not all(texts.values()):
        raise PublicServiceError("office_contact", "give the text in both id and en")
    guides = data.get("no_brokers_guides", [])
    if not isinstance(guides, list) or not all(isinstance(g, str) for g in guides):
        raise PublicServiceError("no_brokers_guides", 'must be a list like ["pembuatan-paspor"]')
    return PublicService(tuple(links), texts if all(texts.values()) else {}, tuple(guides))


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key, "")
    if not isinstance(value, str):
        raise PublicServiceError(f"{where}.{key}", "must be a text")
    return value.strip()
