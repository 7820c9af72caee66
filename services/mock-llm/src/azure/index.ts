export { startAzureFake, type AzureFake, type AzureFakeOptions, type AzureFakeStats, type AzureFakeBehaviour } from './server.js';
