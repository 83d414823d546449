"""Meetings: seminars, co-gérance and workgroup meetings, the live session and its minutes.

Rooms as everywhere: models, services (one operation per action, shared by the pages,
the API and the sockets), views, api, events. Pure parts live apart so they can be tested
without Flask: ``trinomes`` (the grouping search), ``ics`` (the invitation), ``checkin``
(the rotating code).
"""
