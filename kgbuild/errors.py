"""kgbuild's one error model. Only :class:`KgbuildError` subclasses are expected failures:

* :class:`BadInput`: a catalog, settings, labels or data that fail the same way on every try (never retried);
* :class:`Unavailable`: a service or resource that may come back (Neo4j down, a busy work directory: retried);
* :class:`InternalFault`: kgbuild broke its own promise (rows lost, a graph unlike its build): a bug.

The CLI prints bad input and unavailable services as one line and exits 2; anything else, internal faults
included, shows its traceback. The DAG fails a task at once on bad input and leaves the rest to Airflow's retries.
"""


class KgbuildError(Exception):
    """Base of every failure kgbuild raises on purpose."""


class BadInput(KgbuildError):
    """Fails the same way on every try: fix the input or the settings named in the message."""


class Unavailable(KgbuildError):
    """A service or resource that may come back: a retry may succeed."""


class InternalFault(KgbuildError):
    """A bug in kgbuild: an invariant it checks did not hold."""


def check_accounting(stage: str, report: dict) -> None:
    """A stage's ``input_rows = accepted + quarantined``, checked whatever the interpreter's flags."""
    if report["input_rows"] != report["accepted"] + report["quarantined"]:
        raise InternalFault(f"{stage}: rows lost: {report}")
