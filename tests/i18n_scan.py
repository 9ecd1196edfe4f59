"""Reads a rendered page as a person would and lists what a native reader would call wrong:
English left on a pt-BR page, and a count next to the wrong grammatical number ("0 minuto",
"1 dias", "dia(s)"). tests/test_i18n.py runs it over every page and proves it on planted text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words that are English and never Portuguese (nor loan words a Brazilian shop owner uses as
# they are, like "token", "webhook", "status" or "email").
ENGLISH_WORDS = frozenset(re.findall(r"\S+", """
the and with your you this that these those from for are is was were has have had not will
would can could should must been being which what when where who how why than then there their
they them its it's our ours object
created updated deleted started approved rejected failed done delivered paid pending refunded
cancelled canceled expired attempts failures amount method tenant order orders payment
payments delivery deliveries trial free shop shops starting shipping customer customers
product products variant variants stock coupon coupons wallet withdrawal withdrawals
add edit save search filters filter apply reset select change view history yes true false
new next previous back close show hide more less all none unknown value values date time
at by of to on in into per over under about after before since until between without
day days hour hours minute minutes second seconds week weeks month months year years
"""))

# A segment made only of these is a name, a code or a brand, whatever its words are.
PROPER = frozenset(re.findall(r"\S+", """
vitrine discord pix mercado pago stripe ko-fi kofi celery beat redis postgresql sqlite docker
swarm steam vip ok id url api csv json sla gmv mrr brl usd cpf cnpj uuid html markdown
"""))

_SINGULAR = ("minuto|hora|dia|segundo|semana|mês|ano|reinício|pedido|produto|item|venda|"
             "cliente|chave|entrega|falha|tentativa|usuário|instância|evento|cupom|variante|"
             "unidade|saque|pagamento|membro|loja|bot|cargo|webhook|reembolso|uso|vez")
_PLURAL = ("minutos|horas|dias|segundos|semanas|meses|anos|reinícios|pedidos|produtos|itens|"
           "vendas|clientes|chaves|entregas|falhas|tentativas|usuários|instâncias|eventos|"
           "cupons|variantes|unidades|saques|pagamentos|membros|lojas|bots|cargos|webhooks|"
           "reembolsos|usos|vezes")
_EN_SINGULAR = ("minute|hour|day|second|week|month|year|restart|order|product|item|sale|"
                "customer|key|delivery|failure|attempt|user|instance|event|coupon|variant|"
                "unit|withdrawal|payment|member|shop|bot|role|refund|use|time")
PLURAL_ERRORS = [
    # A count other than one (and not a decimal like "1,5") with a singular noun.
    re.compile(rf"(?<![\d,.])(0|[2-9]|\d{{2,}})\s+({_SINGULAR})\b", re.I),
    # English: "2 order" is wrong, "0 product posts" is a compound noun and right.
    re.compile(rf"(?<![\d,.])(0|[2-9]|\d{{2,}})\s+({_EN_SINGULAR})\b(?!\s+[a-z])", re.I),
    re.compile(rf"(?<![\d,.])1\s+({_PLURAL}|(?:{_EN_SINGULAR})s)\b", re.I),
    re.compile(r"\w\((s|es|is)\)", re.I),  # "dia(s)", "item(ns)" instead of ngettext
]

_SKIP_TAGS = {"script", "style", "code", "pre", "textarea", "svg", "noscript", "template"}
_TEXT_ATTRS = ("placeholder", "title", "aria-label", "alt")
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'\u2019-]*")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[str] = []
        self._skip = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            self._attrs(attrs)
            return
        self._stack.append(tag)
        classes = dict(attrs).get("class") or ""
        if (tag in _SKIP_TAGS or ("translate", "no") in attrs or "material-symbols" in classes
                or ("data-i18n", "data") in attrs):
            self._skip += 1
            self._stack[-1] = f"skip:{tag}"
        elif not self._skip:
            self._attrs(attrs)

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            top = self._stack.pop()
            if top.startswith("skip:"):
                self._skip -= 1
            if top.removeprefix("skip:") == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.segments.append(text)

    def _attrs(self, attrs: list) -> None:
        for name, value in attrs:
            if name in _TEXT_ATTRS and value and not self._skip:
                self.segments.append(" ".join(value.split()))


def visible_text(html: str) -> list[str]:
    """The text a reader sees: text nodes and labelling attributes, minus code, data the page
    marks as such (translate="no", data-i18n="data": names, keys, ids the user typed)."""
    parser = _Text()
    parser.feed(html)
    return parser.segments


# Operators read codes as codes: audit actions ("tenant.create"), ledger accounts
# ("loja-demo:pending"), statuses and provider topics ("pending_payment", "payment").
CODE = re.compile(r"[a-z0-9][a-z0-9_.:-]*|<[a-z]+>")
# Unfold's change-page heading runs the object's name through capfirst ("Loja-demo:pending"):
# still a code when a colon holds it together, unlike a capitalised English word.
CAPFIRST_CODE = re.compile(r"[A-Z][a-z0-9_.-]*:[a-z0-9_.:-]+")
# django-axes builds its rows' names in English f-strings, out of any catalog's reach.
AXES_NAMES = re.compile(r"^(Access Log for|Failed access:|Attempted Access:) ")


def english(segments: list[str], *, codes_ok: bool = False) -> list[str]:
    found = []
    for segment in segments:
        if codes_ok:
            if CODE.fullmatch(segment) or CAPFIRST_CODE.fullmatch(segment) \
                    or AXES_NAMES.match(segment):
                continue
            segment = " ".join(w for w in segment.split() if not (CODE.fullmatch(w) and
                                                                   re.search(r"[.:_<]", w)))
        words = [w.lower().strip("'\u2019-") for w in _WORD.findall(segment)]
        if not words or all(w in PROPER for w in words):
            continue
        if any(w in ENGLISH_WORDS for w in words):
            found.append(segment)
    return found


def plural_errors(segments: list[str]) -> list[str]:
    return [segment for segment in segments
            if any(pattern.search(segment) for pattern in PLURAL_ERRORS)]
