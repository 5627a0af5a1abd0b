"""Reading reporters' names and roles out of the places newspapers print them.

The shapes, in both scripts (keywords are looked for in a simplified copy, articles.script;
names are kept as printed):

- a byline line under the title: ``新重庆-重庆日报首席记者 杨骏 实习生 李俊晓``,
  ``本报记者 张三 李四 通讯员 王五``, ``文/记者 张三 图/李四``, ``张三 摄``;
- a dateline that opens the lead: ``重庆日报讯(记者 王天翊)11月10日上午,…``, and an agency's,
  ``新华社北京11月10日电（记者 张三）…``, whose ``新华社北京11月10日电`` is the source;
- a byline glued to the start of the lead: ``記者 陳嘉欣6月17日,…``, ``本报记者 张三 今天…``.

A name is 2 to 4 Chinese characters, or names joined by a middle dot (a transliterated foreign
name). A name glued to the text that follows it must start with a common surname and stop at a
character that cannot belong to a name (a digit, punctuation); anything less certain is left in
the text, and the importer warns.
"""

import re
from dataclasses import dataclass

from .script import simplified_copy

# Roles as printed before a name, in simplified form; longest first, so that 首席记者 wins
# over 记者.
ROLES = sorted(
    [
        "首席记者",
        "特约记者",
        "特派记者",
        "见习记者",
        "摄影记者",
        "驻站记者",
        "全媒体记者",
        "融媒体记者",
        "本报记者",
        "记者",
        "实习生",
        "通讯员",
        "摄影",
        "编辑",
    ],
    key=len,
    reverse=True,
)
# Roles written before a slash: 文/张三, 图/记者 李四.
SLASH_ROLES = {"文": "文", "图": "图", "图文": "图文", "摄影": "摄影", "摄": "摄影"}
# Roles written after the names they credit: 张三 摄.
AFTER_ROLES = {"摄": "摄影", "摄影": "摄影", "报道": "报道"}
MAX_BYLINE_CHARS = 80
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = re.compile(rf"^(?:[{_HAN}]{{2,4}}|[{_HAN}]+(?:[·•．][{_HAN}]+)+)$")
_SLASHES = "/／"
_DATELINE = re.compile(
    r"^(?P<agency>[^\s()（）]{2,16}(?:讯|电))\s*[(（](?P<credit>[^()（）]{2,60})[)）]"
)
# An agency's dateline: 新华社北京11月10日电. Matched on the simplified copy.
_AGENCY_DATELINE = re.compile(
    rf"^(?P<dateline>[{_HAN}]{{2,8}}社[{_HAN}]{{0,12}}?"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日电)"
)
# The start of a text that a glued name runs into: 陳嘉欣6月17日, 张三，
_GLUED_NAME = re.compile(rf"^(?P<name>[{_HAN}]{{2,4}})(?=[^{_HAN}\s])")
# Common surnames (single and compound), which a name glued to the text must start with.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘"
    "祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟"
    "艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕"
    "楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣"
    "晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉"
    "银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
) | {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"}
# Words a lead often opens with after a byline, which start like a surname: never names.
_NOT_NAMES = frozenset(
    "今天 今日 昨天 昨日 近日 日前 上午 下午 晚上 凌晨 目前 当天 本周 上周 近期 此前 日后 "
    "记者".split()
)


@dataclass(frozen=True, slots=True)
class Credit:
    name: str
    role: str


def parse_byline(text):
    """The credits in a byline, in printed order, or None if ``text`` is not a byline.

    Every whitespace-separated token must be a role (optionally prefixed by the paper's name,
    as in 新重庆-重庆日报首席记者, or followed by a slash, as in 文/), a name after a role, or a
    name before a role written after it (张三 摄).
    """
    text = text.strip()
    if not text or len(text) > MAX_BYLINE_CHARS:
        return None
    reading = _Reading()
    for token in text.split():
        if not reading.take(token):
            return None
    return reading.credits()


def parse_dateline(paragraph):
    """(credit text, credits) from a lead such as 重庆日报讯(记者 王天翊)…, or None."""
    match = _DATELINE.match(simplified_copy(paragraph))
    if not match:
        return None
    credit = paragraph[match.start("credit") : match.end("credit")]
    credits = parse_byline(credit)
    if not credits:
        return None
    return credit.strip(), credits


def agency_dateline(paragraph):
    """The agency's dateline a lead opens with (新华社北京11月10日电), as printed, or ""."""
    match = _AGENCY_DATELINE.match(simplified_copy(paragraph))
    return paragraph[: match.end()] if match else ""


def split_lead_byline(paragraph):
    """(byline as printed, credits, the rest of the paragraph) for a lead that opens with a
    byline (記者 陳嘉欣6月17日,…), or None.

    The byline's last name may be glued to the text; it is taken only when it starts with a
    common surname and ends where a name cannot go on (see the module's docstring).
    """
    reading = _Reading()
    position = 0
    for match in re.finditer(r"\S+", paragraph[:MAX_BYLINE_CHARS]):
        token = match.group()
        if reading.take(token):
            position = match.end()
            continue
        if reading.role and not reading.pending:
            glued = _glued_name(token)
            if glued:
                reading.take(glued)
                position = match.start() + len(glued)
        break
    credits = reading.credits()
    if not credits or position >= len(paragraph.rstrip()):
        return None
    return paragraph[:position].strip(), credits, paragraph[position:].lstrip()


def starts_like_a_byline(paragraph):
    """Whether a lead opens with a role word (记者, 本報記者…): the importer warns when it
    cannot split one off."""
    first = paragraph.split(maxsplit=1)[0] if paragraph.strip() else ""
    return _split_role(simplified_copy(first)) is not None


class _Reading:
    """Credits read token by token; a token that fits nowhere ends the reading."""

    def __init__(self):
        self.role = None
        self.found = []
        self.pending = []  # names with no role yet (张三 before 摄)

    def take(self, token):
        simplified = simplified_copy(token)
        if simplified in AFTER_ROLES:
            # 张三 摄 credits the names before it; 记者 张三 报道 only closes the byline.
            if self.pending:
                role = AFTER_ROLES[simplified]
                self.found += [Credit(name, role) for name in self.pending]
                self.pending = []
                return True
            return bool(self.found)
        slash = next((index for index, char in enumerate(token) if char in _SLASHES), -1)
        if slash > 0 and simplified[:slash] in SLASH_ROLES:
            self.role = SLASH_ROLES[simplified[:slash]]
            rest = token[slash + 1 :]
            return not rest or self.take(rest)
        found = _split_role(simplified)
        if found is not None:
            role, name_length = found
            self.role = role
            if name_length:
                self.found.append(Credit(token[len(token) - name_length :], role))
            return True
        if _NAME.match(token):
            if self.role is None:
                self.pending.append(token)
            else:
                self.found.append(Credit(token, self.role))
            return True
        return False

    def credits(self):
        if self.pending or not self.found:
            return None
        return list(self.found)


def _split_role(token):
    """(role, length of the name after it) when ``token`` (simplified) holds a role:
    首席记者, 新重庆-重庆日报记者, 记者王天翊."""
    for role in ROLES:
        index = token.rfind(role)
        if index == -1:
            continue
        name = token[index + len(role) :]
        if name and not _NAME.match(name):
            continue
        return role, len(name)
    return None


def _glued_name(token):
    """The name at the start of ``token`` when it is certainly one (see split_lead_byline)."""
    match = _GLUED_NAME.match(token)
    if not match:
        return ""
    name = match.group("name")
    simplified = simplified_copy(name)
    if simplified in _NOT_NAMES or not (simplified[0] in SURNAMES or simplified[:2] in SURNAMES):
        return ""
    return name
