import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { LocalObjectStore } from '../../../src/stores/local.js';
import { LocalRecordStore } from '../../../src/stores/local-records.js';
import { objectStoreContract, recordStoreContract } from '../../support/store-contracts.js';

const tmp = () => mkdtemp(join(tmpdir(), 'ga-store-'));

describe('LocalObjectStore', () => objectStoreContract(async () => new LocalObjectStore(await tmp())));
describe('LocalRecordStore', () => recordStoreContract(async () => new LocalRecordStore(await tmp())));
