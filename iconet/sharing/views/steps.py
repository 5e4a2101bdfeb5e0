"""One workflow step behind a button: call the service, say how it went, go back.

    return workflow_step(
        request, lambda: services.report_submit(actor=request.user, report=report),
        _("Report submitted for review."), report.get_absolute_url(),
    )

The service checks the permission (PermissionDenied becomes 403 as everywhere); a refused
step (ValidationError: the item is no longer in a state that allows it, a missing comment...)
is shown as an error message on the page the user is sent back to.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect


def workflow_step(
    request: HttpRequest,
    step: Callable[[], Any],
    success: str | Callable[[Any], str],
    redirect_to: str,
) -> HttpResponseRedirect:
    """Run `step`; on success show `success` (or `success(result)`), on a ValidationError
    its messages; then redirect to `redirect_to`."""
    try:
        result = step()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to)
