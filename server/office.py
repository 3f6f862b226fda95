"""The office settings file (`office.toml`): who we are and how to reach us."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.clock import DEFAULT_TIMEZONE
from server.errors import ConfigError
from server.hours import Hours, HoursError, parse_hours
from server.languages import Languages, LanguagesError, parse_languages, shipped_languages
from server.public_service import PublicService, PublicServiceError, parse_public_service
from server.root_path import RootPathError, root_of_url

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_PHONE = re.compile(r"^[1-9][0-9]{7,14}$")


class OfficeError(ConfigError):
    """The office file is missing, unreadable, or has a bad field."""

    def __init__(self, path: Path, field: str | None, problem: str) -> None:
        where = f"{path}: field '{field}'" if field else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Localized:
    """A text the office writes per language; one it lacks is shown in its fallback."""

    texts: Mapping[str, str]
    languages: Languages

    def get(self, lang: str) -> str:
        return self.languages.pick(self.texts, lang)

    __getitem__ = get  # `place.name[lang]` in templates

    @property
    def default(self) -> str:
        """The text in the default language, which is always given."""
        return self.texts[self.languages.default.code]


@dataclass(frozen=True)
class WhatsApp:
    number: str
    message: str
    order: int
    confirmed: bool

    @property
    def url(self) -> str:
        return f"https://wa.me/{self.number}?text={quote(self.message)}"

    @property
    def display_number(self) -> str:
        return "+" + self.number


@dataclass(frozen=True)
class SocialLink:
    name: str
    url: str
    confirmed: bool


@dataclass(frozen=True)
class Location:
    """A place on the map, for the phone's maps app (geo:) and OpenStreetMap."""

    latitude: float
    longitude: float
    label: str
    confirmed: bool

    @property
    def geo_uri(self) -> str:
        # `q=lat,lon(label)` puts a named pin there in Android's maps apps (RFC 5870 + Android).
        point = f"{self.latitude:.6g},{self.longitude:.6g}"
        return f"geo:{point}?q={point}({quote(self.label)})"

    @property
    def osm_url(self) -> str:
        lat, lon = f"{self.latitude:.6g}", f"{self.longitude:.6g}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


@dataclass(frozen=True)
class Place:
    """The main office or a service unit (ULP): where it is and when it serves."""

    key: str  # "office", or "unit-1", "unit-2"...: names its hours on the page
    name: Localized
    address: str
    hours: Hours
    hours_confirmed: bool
    location: Location | None


@dataclass(frozen=True)
class Unit:
    place: Place
    confirmed: bool  # whether the unit is known to be still open


@dataclass(frozen=True)
class Office:
    path: Path
    name: str
    short_name: str
    public_url: str
    theme_color: str
    address: str
    timezone: str  # an IANA name; Asia/Jakarta is WIB
    main: Place
    units: tuple[Unit, ...]
    whatsapp: WhatsApp
    social: tuple[SocialLink, ...]
    public_service: PublicService
    # The shipped languages and those the office adds with [[language]] (server/languages.py).
    languages: Languages = field(default_factory=shipped_languages)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_label(self) -> str:
        """The zone as applicants know it: WIB, WITA, WIT (or the IANA name)."""
        from datetime import datetime

        return datetime.now(self.zone).tzname() or self.timezone

    @property
    def places(self) -> tuple[Place, ...]:
        return (self.main, *(unit.place for unit in self.units))

    @property
    def qr_url(self) -> str:
        """The URL printed in the QR code; `src=qr` tells scans apart in the usage counts.

        With a path, it ends in "/": the site's root, where the service worker's scope
        begins, reached without a redirect (a redirect costs a round trip on weak Wi-Fi).
        """
        return self.home_url + "?src=qr"

    @property
    def home_url(self) -> str:
        """`public_url` as the landing page's address, with its trailing slash."""
        return self.public_url.rstrip("/") + "/"

    def page_url(self, path: str) -> str:
        """The public address of one of the site's pages (`/guides/x`)."""
        return self.public_url.rstrip("/") + path

    @property
    def short_url(self) -> str:
        """`public_url` without its scheme, for people to type: `imigo.dev/infokanimjogja`."""
        parts = urlsplit(self.public_url)
        return (parts.netloc + parts.path).rstrip("/")

    @property
    def root_path(self) -> str:
        """The path of `public_url`, where the site lives on its host ("" at the root)."""
        return root_of_url(self.public_url)

    @property
    def site_origin(self) -> str:
        """Scheme and host of `public_url`, for the absolute links search engines want."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def warnings(self) -> list[str]:
        """Values the office has not confirmed yet; shown by `check` and `/healthz`."""
        notes = []
        if not self.whatsapp.confirmed:
            notes.append(
                f"{self.path}: whatsapp.number {self.whatsapp.display_number} is not confirmed "
                "(its source is from 2020); check it and set whatsapp.confirmed = true"
            )
        if not self.main.hours_confirmed:
            notes.append(f"{self.path}: hours are not confirmed; check them and set confirmed")
        if self.main.location is not None and not self.main.location.confirmed:
            notes.append(f"{self.path}: map coordinates are not confirmed")
        for index, unit in enumerate(self.units):
            name = f"{self.path}: units[{index}] ({unit.place.name.default})"
            if not unit.confirmed:
                notes.append(f"{name}: not confirmed to be still open")
            if not unit.place.hours_confirmed:
                notes.append(f"{name}: hours are not confirmed")
            if unit.place.location is not None and not unit.place.location.confirmed:
                notes.append(f"{name}: map coordinates are not confirmed")
        notes.extend(
            f"{self.path}: social link {link.name} ({link.url}) is not confirmed"
            for link in self.social
            if not link.confirmed
        )
        notes.extend(self.public_service.warnings(str(self.path)))
        return notes


def load_office(path: Path) -> Office:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise OfficeError(path, None, "file not found; pass --office FILE") from None
    except OSError as exc:
        raise OfficeError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise OfficeError(path, None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise OfficeError(path, None, f"not valid TOML: {exc}") from None
    return _parse(path, data)


def _parse(path: Path, data: Mapping[str, Any]) -> Office:
    fields = _Fields(path, data)
    public_url = fields.text("public_url")
    parts = urlsplit(public_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise OfficeError(path, "public_url", f"must be a full http(s) URL, got {public_url!r}")
    if parts.query or parts.fragment:
        raise OfficeError(
            path, "public_url", f"must be an address without ?query or #part, got {public_url!r}"
        )
    try:
        root_of_url(public_url)
    except RootPathError as exc:
        raise OfficeError(path, "public_url", str(exc)) from None
    colour = fields.text("theme_color")
    if not _COLOUR.fullmatch(colour):
        raise OfficeError(path, "theme_color", f"must look like #B71C1C, got {colour!r}")

    # WIB unless the office says otherwise: an office file from before the setting still loads.
    timezone = fields.text("timezone") if "timezone" in data else DEFAULT_TIMEZONE
    if "hours" not in data and "opening_hours" in data:
        raise OfficeError(
            path,
            "opening_hours",
            "this version reads opening hours per weekday: replace [opening_hours] with [hours] "
            '(monday = ["08:00-12:00", "13:00-15:00"], ...), as in the office.toml it ships',
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OfficeError(
            path, "timezone", f"unknown time zone {timezone!r}; use e.g. Asia/Jakarta (WIB)"
        ) from None
    try:
        languages = shipped_languages().adding(
            parse_languages(data.get("language"), path.parent, str(path)), str(path)
        )
    except LanguagesError as exc:
        raise OfficeError(path, "language", str(exc).removeprefix(f"{path}: ")) from None
    short_name = fields.text("short_name")
    address = fields.text("address")
    main = _place(
        path,
        fields,
        "office",
        Localized({languages.default.code: short_name}, languages),
        address,
        fields.table("hours"),
    )
    units = []
    for index, item in enumerate(fields.array("units")):
        unit = _Fields(path, item, f"units[{index}].")
        name = unit.table("name")
        place = _place(
            path,
            unit,
            f"unit-{index + 1}",
            _localized(name, languages),
            unit.text("address"),
            unit.table("hours"),
        )
        units.append(Unit(place, unit.boolean("confirmed")))
    try:
        public_service = parse_public_service(data.get("public_service", {}))
    except PublicServiceError as exc:
        raise OfficeError(path, f"public_service.{exc.field}", exc.problem) from None
    wa = fields.table("whatsapp")
    number = re.sub(r"[\s+\-]", "", wa.text("number"))
    if number.startswith("0"):
        raise OfficeError(
            path,
            "whatsapp.number",
            f"use the international format without the leading 0 (62...), got {number!r}",
        )
    if not _PHONE.fullmatch(number):
        raise OfficeError(path, "whatsapp.number", f"must be 8 to 15 digits, got {number!r}")

    social = []
    for index, item in enumerate(fields.array("social")):
        link = _Fields(path, item, f"social[{index}].")
        url = link.text("url")
        if urlsplit(url).scheme != "https":
            raise OfficeError(
                path, f"social[{index}].url", f"must start with https://, got {url!r}"
            )
        social.append(SocialLink(link.text("name"), url, link.boolean("confirmed")))

    return Office(
        path=path,
        name=fields.text("name"),
        short_name=short_name,
        public_url=public_url,
        theme_color=colour.upper(),
        address=address,
        timezone=timezone,
        main=main,
        units=tuple(units),
        whatsapp=WhatsApp(number, wa.text("message"), wa.integer("order"), wa.boolean("confirmed")),
        social=tuple(social),
        public_service=public_service,
        languages=languages,
    )


def _localized(table: _Fields, languages: Languages) -> Localized:
    """`name.id = "…"`, `name.en = "…"`: the shipped languages' texts are needed; one the office
    added falls back (server/languages.py) when left out."""
    texts = {code: table.text(code) for code in languages.required}
    for code in table.data:
        if code not in languages:
            raise OfficeError(
                table.path,
                table.prefix + code,
                f"not a language of the site (one of {', '.join(languages.codes)})",
            )
        texts[code] = table.text(code)
    return Localized(texts, languages)


def _place(
    path: Path, table: _Fields, key: str, name: Localized, address: str, hours: _Fields
) -> Place:
    """A place's `hours` table (with its `confirmed`) and its optional `map` table."""
    rules = {k: v for k, v in hours.data.items() if k != "confirmed"}
    try:
        parsed = parse_hours(rules, hours.prefix.rstrip("."), name.languages)
    except HoursError as exc:
        raise OfficeError(path, exc.field, exc.problem) from None
    location = None
    if "map" in table.data:
        where = table.table("map")
        coords = []
        for axis, bound in (("latitude", 90.0), ("longitude", 180.0)):
            value = where._get(axis)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise OfficeError(path, where.prefix + axis, "must be a number like -7.78")
            if not -bound <= value <= bound:
                raise OfficeError(path, where.prefix + axis, f"must be within ±{bound:g}")
            coords.append(float(value))
        location = Location(coords[0], coords[1], name.default, where.boolean("confirmed"))
    return Place(key, name, address, parsed, hours.boolean("confirmed"), location)


class _Fields:
    """Typed access to one TOML table, raising `OfficeError` that names the field."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.data = data
        self.prefix = prefix

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise OfficeError(self.path, self.prefix + key, "missing")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise OfficeError(self.path, self.prefix + key, "must be a non-empty text")
        return value.strip()

    def integer(self, key: str) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise OfficeError(self.path, self.prefix + key, "must be a whole number")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise OfficeError(self.path, self.prefix + key, "must be true or false")
        return value

    def table(self, key: str) -> _Fields:
        value = self._get(key)
        if not isinstance(value, dict):
            raise OfficeError(self.path, self.prefix + key, "must be a table ([section])")
        return _Fields(self.path, value, f"{self.prefix}{key}.")

    def array(self, key: str) -> list[Mapping[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise OfficeError(self.path, self.prefix + key, "must be a list of [[tables]]")
        return value
