"""What the votes engine announces; deliberation, meetings and the live channel subscribe.

Sent inside the transaction, after the change is flushed: receivers that talk to the
outside world (sockets, e-mail) must wait for the commit (see app.live / notifications).
"""

from blinker import Namespace

_signals = Namespace()

ballot_opened = _signals.signal("ballot-opened")
vote_recorded = _signals.signal("vote-recorded")  # sender: ballot; never the vote's content
ballot_closed = _signals.signal("ballot-closed")  # sender: ballot; result=dict
ballot_published = _signals.signal("ballot-published")
ballot_cancelled = _signals.signal("ballot-cancelled")
