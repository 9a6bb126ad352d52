// The API's shapes as the UI reads them (the server's OpenAPI document at
// GET /api/v1/openapi.json is the reference).
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}
export interface Team {
  id: string;
  name: string;
  displayName?: string;
  role?: string;
}
export interface Cluster {
  id: string;
  name: string;
  state: string;
  kubeVersion: string | null;
  agentVersion: string | null;
  connectedAt: string | null;
  lastSeenAt: string | null;
  capacity: { nodes: number | null; allocatableCpuMillis: number | null; allocatableMemoryBytes: number | null };
}
export interface Project {
  id: string;
  name: string;
  displayName: string;
  description: string;
  clusterId: string | null;
  quota: Quota;
}
export interface Quota {
  cpu?: string;
  memory?: string;
  pods?: number;
}
export interface AppReported {
  phase?: string;
  message?: string;
  currentImage?: string;
  previousImage?: string;
  url?: string;
  replicas?: number;
  latestBuild?: string;
  lastUpdated?: string;
}
export interface CpuMemory {
  cpu?: string;
  memory?: string;
}
export interface Resources {
  requests?: CpuMemory;
  limits?: CpuMemory;
}
export interface Autoscaling {
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
  targetMemoryUtilizationPercentage?: number;
}
export interface App {
  id: string;
  name: string;
  displayName: string;
  git: { url?: string; branch?: string };
  envKeys: string[];
  replicas: number;
  stopped: boolean;
  resources: Resources;
  autoscaling: Autoscaling | null;
  restartedAt: string | null;
  domains?: string[];
  services?: string[];
  release: number | null;
  status: { phase: string; message: string; readyReplicas?: number | null };
  reported: AppReported;
  version: number;
}
export interface Build {
  id: string;
  appId: string;
  gitRef: string;
  imageTag: string;
  status: { phase: string; message: string };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface Session {
  user: User;
  csrfToken: string | null;
}

export interface Release {
  id: string;
  number: number;
  version: string;
  kind: string;
  actor: string;
  description: string;
  image: string | null;
  digest: string | null;
  buildId: string | null;
  config: {
    replicas?: number;
    resources?: Resources;
    autoscaling?: Autoscaling | null;
    domains?: string[];
    services?: string[];
    envKeys?: string[];
  };
  createdAt: string;
}
export type CertificateState = "pending" | "none" | "issued" | "failed";
export interface DomainState {
  host: string;
  dnsTarget: string | null;
  certificate: CertificateState;
  reason: string | null;
  notAfter: string | null;
  secretName: string | null;
  reported: boolean;
}
export interface Domains {
  items: DomainState[];
  default: DomainState | null;
  dnsTarget: string | null;
}
export interface Service {
  id: string;
  name: string;
  type: string;
  chart?: string;
  chartVersion?: string;
  storage?: string;
  status: { phase: string };
  createdAt: string;
}
export interface Licence {
  installed: boolean;
  licensee: string;
  edition: "single" | "multi";
  maxClusters: number;
  maxUsers: number;
  updatesUntil: string | null;
  issuedAt: string | null;
  usage: { clusters: number; users: number };
}
export interface UsageRecord {
  id: string;
  kind: string;
  quantity: number;
  subjectId: string;
  recordedAt: string;
}
export interface Usage extends Page<UsageRecord> {
  totals: Record<string, number>;
}
