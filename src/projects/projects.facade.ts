/** What the HTTP layer asks of projects, their app services and their variables. */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import { bindFirst } from '../lib/bind-first.js';
import type { ReferenceSource } from './variable-references.js';
import { removeCredentials } from './credentials.service.js';
import { createProject, findProject, getProject, listProjects } from './projects.service.js';
import { createAppService, getAppService, listAppServices, updateAppServiceSettings } from './services.service.js';
import {
  deleteVariable,
  listVariableKeys,
  markVariableSecret,
  readVariables,
  readVariablesOfServices,
  replaceVariables,
  revealVariable,
  setVariables,
} from './variables.service.js';

export function createProjectsFacade(db: Db, secretBox: SecretBox, config: Pick<Config, 'allowPrivateSources'>) {
  const deps = { db, secretBox, config };
  return {
    list: bindFirst(db, listProjects),
    /** The project with details, or NOT_FOUND. */
    get: bindFirst(db, getProject),
    find: bindFirst(db, findProject),
    create: bindFirst(db, createProject),
    /** An app service, or NOT_FOUND. */
    getService: bindFirst(db, getAppService),
    listServices: bindFirst(db, listAppServices),
    createService: bindFirst(deps, createAppService),
    updateServiceSettings: bindFirst(deps, updateAppServiceSettings),
    /** Forgets the service's stored git credentials; true when there were some. */
    removeCredentials: bindFirst(db, removeCredentials),
  };
}

/** A service's variables (secret values encrypted at rest). */
export function createVariablesFacade(db: Db, secretBox: SecretBox, databases: ReferenceSource) {
  const deps = { db, secretBox, databases };
  return {
    listKeys: bindFirst(deps, listVariableKeys),
    read: bindFirst(deps, readVariables),
    readMany: bindFirst(deps, readVariablesOfServices),
    replace: bindFirst(deps, replaceVariables),
    set: bindFirst(deps, setVariables),
    remove: bindFirst(deps, deleteVariable),
    markSecret: bindFirst(deps, markVariableSecret),
    reveal: bindFirst(deps, revealVariable),
  };
}

export type ProjectsFacade = ReturnType<typeof createProjectsFacade>;
export type VariablesFacade = ReturnType<typeof createVariablesFacade>;
