/** A pipeline stage as the pipelines API returns it; metadata values are strings, as in HubSpot. */
export interface PipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  writePermissions: string;
}

export interface Pipeline {
  id: string;
  label: string;
  displayOrder: number;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  stages: PipelineStage[];
}

function stage(
  id: string,
  label: string,
  displayOrder: number,
  metadata: Record<string, string>,
  createdAt: string,
): PipelineStage {
  return {
    id,
    label,
    displayOrder,
    metadata,
    archived: false,
    createdAt,
    updatedAt: createdAt,
    writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
  };
}

/** HubSpot's default ticket pipeline (id 0); only stage 4 is closed. */
export function defaultTicketPipeline(createdAt: string): Pipeline {
  const open = (ticketState: string) => ({ ticketState, isClosed: 'false' });
  return {
    id: '0',
    label: 'Support Pipeline',
    displayOrder: 0,
    archived: false,
    createdAt,
    updatedAt: createdAt,
    stages: [
      stage('1', 'New', 0, open('OPEN'), createdAt),
      stage('2', 'Waiting on contact', 1, open('OPEN'), createdAt),
      stage('3', 'Waiting on us', 2, open('OPEN'), createdAt),
      stage('4', 'Closed', 3, { ticketState: 'CLOSED', isClosed: 'true' }, createdAt),
    ],
  };
}

/** HubSpot's default sales pipeline; closed won and closed lost are the closed stages. */
export function defaultDealPipeline(createdAt: string): Pipeline {
  const stages: [string, string, string, boolean][] = [
    ['appointmentscheduled', 'Appointment Scheduled', '0.2', false],
    ['qualifiedtobuy', 'Qualified To Buy', '0.4', false],
    ['presentationscheduled', 'Presentation Scheduled', '0.6', false],
    ['decisionmakerboughtin', 'Decision Maker Bought-In', '0.8', false],
    ['contractsent', 'Contract Sent', '0.9', false],
    ['closedwon', 'Closed Won', '1.0', true],
    ['closedlost', 'Closed Lost', '0.0', true],
  ];
  return {
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    archived: false,
    createdAt,
    updatedAt: createdAt,
    stages: stages.map(([id, label, probability, closed], index) =>
      stage(id, label, index, { isClosed: String(closed), probability }, createdAt),
    ),
  };
}
