"""GET /ai/api/agents: the agents a chat may name, as the live workers advertise them (contract/agents.py)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from backend.auth import Owner
from backend.deps import AdmissionDep
from contract.agents import DEFAULT_AGENT, AgentInfo

router = APIRouter(prefix="/ai/api/agents", tags=["agents"])


class AgentList(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    agents: list[AgentInfo]
    default: str = DEFAULT_AGENT
    """The agent of a chat that names none (a client preselects it; it is never hard-coded there)."""


@router.get("", response_model=AgentList)
async def list_agents(owner: Owner, admission: AdmissionDep) -> AgentList:
    """Name, description and tools of each agent some live worker runs (none while no worker is live),
    and the one a chat that names none gets."""
    return AgentList(agents=list((await admission.current()).agents.values()))
