import type { SeedOwner } from './types';

const CSM_TEAM = { id: '3100001', name: 'Customer Success', primary: true };
const AE_TEAM = { id: '3100002', name: 'Account Executives', primary: true };

function owner(
  id: number,
  firstName: string,
  lastName: string,
  role: SeedOwner['role'],
  archived = false,
): SeedOwner {
  return {
    id: String(id),
    email: `${firstName}.${lastName}@ravenstack.example`.toLowerCase(),
    firstName,
    lastName,
    userId: id + 9_000_000,
    teams: [role === 'csm' ? CSM_TEAM : AE_TEAM],
    archived,
    role,
  };
}

/**
 * The portal's users: five active customer-success managers, one who left (archived but still
 * the owner of a few companies, as happens in real portals) and three account executives.
 */
export const OWNERS: readonly SeedOwner[] = [
  owner(71_000_101, 'Maya', 'Okafor', 'csm'),
  owner(71_000_102, 'Daniel', 'Brandt', 'csm'),
  owner(71_000_103, 'Priya', 'Raman', 'csm'),
  owner(71_000_104, 'Tomas', 'Lindqvist', 'csm'),
  owner(71_000_105, 'Grace', 'Mensah', 'csm'),
  owner(71_000_106, 'Henry', 'Whitcombe', 'csm', true),
  owner(71_000_201, 'Sofia', 'Marchetti', 'ae'),
  owner(71_000_202, 'Kenji', 'Watanabe', 'ae'),
  owner(71_000_203, 'Laura', 'Castillo', 'ae'),
];

export const ACTIVE_CSMS = OWNERS.filter((o) => o.role === 'csm' && !o.archived);
export const ARCHIVED_CSMS = OWNERS.filter((o) => o.role === 'csm' && o.archived);
export const ACCOUNT_EXECUTIVES = OWNERS.filter((o) => o.role === 'ae');
