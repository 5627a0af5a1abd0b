"""Query inputs haystack does not ship, which every backend of this project understands."""

from haystack.inputs import BaseInput


class Near(BaseInput):
    """Two exact strings near each other: both in one line of the field, without overlapping,
    in either order, with at most ``distance`` characters between them.

    ``SQ(content=Near("陆海", "通道", 5))`` is the query language's ``"陆海 通道"~5``.
    """

    input_type_name = "near"

    def __init__(self, first, second, distance, **kwargs):
        self.first = str(first)
        self.second = str(second)
        self.distance = int(distance)
        super().__init__(f'"{self.first} {self.second}"~{self.distance}', **kwargs)

    def __repr__(self):
        return f"<Near {self.first!r} {self.second!r} ~{self.distance}>"
