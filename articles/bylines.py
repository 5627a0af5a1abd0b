"""Reading reporters' names and roles out of a printed byline.

Two shapes reach us:
- a byline line under the title: ``新重庆-重庆日报首席记者 杨骏 实习生 李俊晓``
- a dateline that opens the lead: ``重庆日报讯(记者 王天翊)11月10日上午,…``
"""

import re
from dataclasses import dataclass

# Longest first, so that 首席记者 wins over 记者.
ROLES = sorted(
    [
        "首席记者",
        "特约记者",
        "见习记者",
        "摄影记者",
        "本报记者",
        "记者",
        "实习生",
        "通讯员",
        "摄影",
    ],
    key=len,
    reverse=True,
)
MAX_BYLINE_CHARS = 80
_NAME = re.compile(r"^[\u3400-\u9fff][\u3400-\u9fff·•]{1,9}$")
_DATELINE = re.compile(r"^(?P<agency>[^\s()（）]{2,16}讯)\s*[(（](?P<credit>[^()（）]{2,60})[)）]")


@dataclass(frozen=True, slots=True)
class Credit:
    name: str
    role: str


def parse_byline(text):
    """The credits in a byline, in printed order, or None if ``text`` is not a byline.

    Every whitespace-separated token must be a role (optionally prefixed by
    the paper's name, as in 新重庆-重庆日报首席记者) or a name after a role.
    """
    text = text.strip()
    if not text or len(text) > MAX_BYLINE_CHARS:
        return None
    credits = []
    role = None
    for token in text.split():
        found = _split_role(token)
        if found is not None:
            role, name = found
            if name:
                credits.append(Credit(name, role))
        elif role is not None and _NAME.match(token):
            credits.append(Credit(token, role))
        else:
            return None
    return credits or None


def parse_dateline(paragraph):
    """(credit text, credits) from a lead such as 重庆日报讯(记者 王天翊)…, or None."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None
    credits = parse_byline(match["credit"])
    if not credits:
        return None
    return match["credit"].strip(), credits


def _split_role(token):
    """(role, name) when ``token`` holds a role: 首席记者, 新重庆-重庆日报记者, 记者王天翊."""
    for role in ROLES:
        index = token.rfind(role)
        if index == -1:
            continue
        name = token[index + len(role) :]
        if name and not _NAME.match(name):
            continue
        return role, name
    return None
