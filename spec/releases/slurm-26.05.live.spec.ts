// Slurm 26.05 (Debian sid, in a cached chroot), on every REST API version it serves.
import { describeRealSlurm } from '../support/real-slurm-suite.js';

describeRealSlurm('26.05', ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45']);
