// Debian 12's own Slurm 22.05 (the host stack), on the one REST API version it serves.
import { describeRealSlurm } from '../support/real-slurm-suite.js';

describeRealSlurm('22.05', ['v0.0.38']);
