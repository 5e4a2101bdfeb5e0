"""Write services of the shared core: each takes the acting user, owns its transaction,
validates, leaves an audit trail and schedules side effects after commit."""
