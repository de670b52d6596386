"""The conversation model: frozen, typed, and the same for every source."""

from reattune.model.conversation import Conversation, ConversationKind, Fragment, SourceInfo
from reattune.model.message import Message, MessageKind, Reaction, SourceLocation
from reattune.model.speaker import PartnerLabel, Role, Speaker
from reattune.model.turn import TURN_JOINER, Turn
from reattune.model.warnings import ParseWarning

__all__ = [
    "TURN_JOINER",
    "Conversation",
    "ConversationKind",
    "Fragment",
    "Message",
    "MessageKind",
    "ParseWarning",
    "PartnerLabel",
    "Reaction",
    "Role",
    "SourceInfo",
    "SourceLocation",
    "Speaker",
    "Turn",
]
