"""A JupyterHub spawner that runs each user's HYSOPE lab as a SLURM job (batchspawner-style, no extra package).

Python only because JupyterHub spawners are Python. The job runs the same single-user command as the other
spawners (Spawner.cmd + args, with the hub's environment); the hub picks the port and finds the node from
SLURM. Settings (c.SlurmSpawner.*): partition, time, memory, cpus, extra sbatch options, and an optional
Singularity/Apptainer image to run the lab in (deploy/hpc/hysope.def).
"""
import asyncio
import os
import shlex
import tempfile

from jupyterhub.spawner import Spawner
from jupyterhub.utils import random_port
from traitlets import Integer, List, Unicode


class SlurmSpawner(Spawner):
    partition = Unicode("", help="SLURM partition (empty: the default one)").tag(config=True)
    time = Unicode("08:00:00", help="Wall time of a lab session").tag(config=True)
    memory = Unicode("8G", help="Memory of a lab session").tag(config=True)
    cpus = Integer(2, help="CPUs of a lab session").tag(config=True)
    extra_options = List(Unicode(), help="More #SBATCH options, e.g. ['--account=hydro']").tag(config=True)
    image = Unicode("", help="A Singularity/Apptainer image to run the lab in (empty: on the node directly)").tag(config=True)
    poll_seconds = Integer(2, help="How often the job's state is read while it starts").tag(config=True)

    job_id = Unicode("")

    def load_state(self, state):
        super().load_state(state)
        self.job_id = state.get("job_id", "")

    def get_state(self):
        state = super().get_state()
        if self.job_id:
            state["job_id"] = self.job_id
        return state

    def clear_state(self):
        super().clear_state()
        self.job_id = ""

    async def _run(self, *cmd):
        proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {err.decode().strip() or out.decode().strip()}")
        return out.decode().strip()

    def batch_script(self, env):
        command = self.cmd + self.get_args()
        if self.image:
            command = ["singularity", "exec", "--cleanenv", self.image] + command
        lines = ["#!/bin/bash", f"#SBATCH --job-name=hysope-lab-{self.user.name}", f"#SBATCH --time={self.time}", f"#SBATCH --mem={self.memory}", f"#SBATCH --cpus-per-task={self.cpus}", "#SBATCH --output=%x-%j.log"]
        if self.partition:
            lines.append(f"#SBATCH --partition={self.partition}")
        lines += [f"#SBATCH {o}" for o in self.extra_options]
        lines += [f"export {k}={shlex.quote(str(v))}" for k, v in env.items()]
        if self.notebook_dir:
            lines.append(f"cd {shlex.quote(self.format_string(self.notebook_dir))}")
        lines.append("exec " + " ".join(shlex.quote(c) for c in command))
        return "\n".join(lines) + "\n"

    async def state(self):
        if not self.job_id:
            return None, None
        out = await self._run("squeue", "-h", "-j", self.job_id, "-o", "%T %B")
        if not out:
            return None, None
        state, _, node = out.partition(" ")
        return state, node

    async def start(self):
        self.port = random_port()
        env = self.get_env()
        workdir = os.path.join(tempfile.gettempdir(), f"hysope-slurm-{self.user.name}")
        os.makedirs(workdir, exist_ok=True)
        script = os.path.join(workdir, "lab.sbatch")
        with open(script, "w") as f:
            f.write(self.batch_script(env))
        self.job_id = (await self._run("sbatch", "--parsable", f"--chdir={workdir}", script)).split(";")[0]
        self.log.info("lab of %s is SLURM job %s", self.user.name, self.job_id)
        while True:
            state, node = await self.state()
            if state == "RUNNING":
                host = "127.0.0.1" if node in ("", "localhost", os.uname().nodename) else node
                return host, self.port
            if state is None or state in ("FAILED", "CANCELLED", "TIMEOUT", "COMPLETED", "NODE_FAIL", "OUT_OF_MEMORY"):
                raise RuntimeError(f"SLURM job {self.job_id} of {self.user.name} ended before the lab started ({state})")
            await asyncio.sleep(self.poll_seconds)

    async def poll(self):
        state, _ = await self.state()
        if state in ("RUNNING", "PENDING", "CONFIGURING"):
            return None
        self.clear_state()
        return 1

    async def stop(self, now=False):
        if self.job_id:
            await self._run("scancel", self.job_id)
            for _ in range(30):
                state, _ = await self.state()
                if state is None:
                    break
                await asyncio.sleep(1)
        self.clear_state()
