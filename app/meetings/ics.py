"""The iCalendar invitation (RFC 5545) sent with a convocation; calendar programs import it."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Facettes//Meetings//FR"


def invitation(*, uid: str, sequence: int, title: str, starts_at: datetime, ends_at: datetime, stamp: datetime,
               location: str, description: str, url: str, organizer: str, attendee_email: str,
               attendee_name: str, cancelled: bool = False) -> bytes:
    """One event for one attendee, METHOD:REQUEST (or CANCEL); times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid)
    # Calendar programs replace an event they know when the sequence grows (a new convocation).
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", title)
    if location:
        event.add("location", location)
    event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name, address = parseaddr(organizer)
    organizer_address = vCalAddress(f"mailto:{address or organizer}")
    if name:
        organizer_address.params["cn"] = vText(name)
    event["organizer"] = organizer_address
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["cn"] = vText(attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
