"""What one costly response (keyword in context, an export) may spend before it is cut short.

Limits live in settings.SEARCH_BUDGETS: documents read, bytes written, seconds spent. A response
that reaches one stops there and says so, rather than making every other reader wait.
"""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass
class Budget:
    documents: int
    bytes: int
    seconds: float
    started: float = field(default_factory=time.perf_counter)
    spent_bytes: int = 0
    cut_short: str = ""  # "documents", "bytes" or "time": why the output stops early

    @classmethod
    def named(cls, name):
        return cls(**settings.SEARCH_BUDGETS[name])

    def spend(self, size):
        """Count ``size`` bytes written; False once the output must stop."""
        self.spent_bytes += size
        if self.spent_bytes > self.bytes:
            self.cut_short = "bytes"
        elif time.perf_counter() - self.started > self.seconds:
            self.cut_short = "time"
        return not self.cut_short

    def more_documents_than(self, count):
        """Note that the matches number ``count``: more than the budget reads cuts it short."""
        if count > self.documents and not self.cut_short:
            self.cut_short = "documents"

    @property
    def message(self):
        if self.cut_short == "documents":
            return _("Only the first %(count)d matching articles are included.") % {
                "count": self.documents
            }
        if self.cut_short == "bytes":
            return _("The output reached its size limit and was cut short.")
        if self.cut_short == "time":
            return _("The output took too long to prepare and was cut short.")
        return ""
