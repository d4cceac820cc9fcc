// Slurm 24.11 (Debian trixie, in a cached chroot), on every REST API version it serves.
import { describeRealSlurm } from '../support/real-slurm-suite.js';

describeRealSlurm('24.11', ['v0.0.40', 'v0.0.41', 'v0.0.42']);
