"""GET /ai/api/agents: the agents a chat may name, as the live workers advertise them (contract/agents.py)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.auth import Owner
from backend.deps import AdmissionDep
from contract.agents import AgentInfo

router = APIRouter(prefix="/ai/api/agents", tags=["agents"])


class AgentList(BaseModel):
    agents: list[AgentInfo]


@router.get("", response_model=AgentList)
async def list_agents(owner: Owner, admission: AdmissionDep) -> AgentList:
    """Name, description and tools of each agent some live worker runs (none while no worker is live)."""
    return AgentList(agents=list((await admission.current()).agents.values()))
