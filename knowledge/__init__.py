"""The knowledge base: Ningbo's service guides (办事指南) in SQL.

A *matter* (事项) is what a citizen or business wants done; a *guide* is one matter implemented in
one region by one department — the unit the assistant answers with. The demo catalogue is built
from the files in ``knowledge/data`` (see its README for provenance) into a JSON-lines file and
imported through the same validating importer that takes external catalogues.

Everything in the demo catalogue is illustrative, not authoritative; :data:`DEMO_NOTICE` is the
sentence every surface that shows it must carry (:data:`DEMO_NOTICE_SHORT` where space is short).
"""

DEMO_NOTICE = (
    "本目录为演示数据：事项内容依据公开资料编写或改编，地址、时间和电话为合成信息，"
    "不构成权威办事指引，请以宁波市政务服务网和办理窗口公布的信息为准。"
)

# Where there is no room for the sentence above (the greeting, an SMS of at most 300 characters).
DEMO_NOTICE_SHORT = "（演示数据，不作为正式办事依据，以办理窗口公布为准）"

__all__ = ["DEMO_NOTICE", "DEMO_NOTICE_SHORT"]
