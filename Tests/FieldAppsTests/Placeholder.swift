import Testing
import FieldApps
